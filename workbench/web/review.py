"""The JSON API of the alignment editor: one endpoint per operation, plus undo, redo,
re-alignment, history and the overview map.

Every POST takes a JSON body with the document `version` the page shows (a stale
one is answered 409) and reads the translator's name from `X-Workbench-User`.
The answer says which rows changed, so the page patches itself without reloading.
"""

from __future__ import annotations

import json

import numpy as np
from flask import Blueprint, Flask, abort, current_app, jsonify, request, url_for
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from workbench import review, store
from workbench.embed import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    EmbedderPair,
    ModelLoadError,
    load_embedder,
    text_key,
)
from workbench.review_scorer import StoredRowScorer
from workbench.status import REVIEWED, Status, sql_list
from workbench.web import auth
from workbench.web.db import get_db
from workbench.web.security import json_body

bp = Blueprint("review", __name__)

USER_HEADER = "X-Workbench-User"
MAP_CELLS = 240
EXACT_MAP_LIMIT = 1_500_000
MAP_EMBED_LIMIT = 200
"""Sentences the map embeds itself when their vectors are missing (or a tenth of those it
has, if more): enough for a day's corrections, never a whole unembedded document."""
EMBEDDER_KEY = "workbench.embedder"


def embedder(app: Flask) -> Embedder:
    """The app's embedder: `EMBEDDER` from the config, else `EMBEDDER_MODEL`, made once."""
    if EMBEDDER_KEY not in app.extensions:
        configured = app.config.get("EMBEDDER")
        app.extensions[EMBEDDER_KEY] = configured or load_embedder(
            app.config.get("EMBEDDER_MODEL", DEFAULT_MODEL))
    return app.extensions[EMBEDDER_KEY]


def _scorer(db) -> review.Scorer:
    """Reshaped rows get the aligner's calibrated confidence, computed with the app's model."""
    return StoredRowScorer(embedder(current_app))


# --- JSON shapes ------------------------------------------------------------------------


def _pairs_between(db, document_id: int, start: int, stop: int) -> list[dict]:
    return all_pairs_json(db, document_id, start, stop)


def _counts(db, document_id: int) -> dict:
    total, reviewed, excluded = db.execute(
        f"select count(*), coalesce(sum(status in {sql_list(REVIEWED)}), 0), "
        "coalesce(sum(status = ?), 0) from links where document_id = ?",
        [Status.EXCLUDED.value, document_id],
    ).fetchone()
    return {"total": total, "reviewed": reviewed, "excluded": excluded,
            **review.can_undo_redo(db, document_id, _user())}


def change_json(db, document_id: int, change: review.Change) -> dict:
    body = {
        "version": change.version, "op": change.op, "summary": change.summary,
        "focus_link": change.focus_link, "links": None, "pairs": [], "shifts": [],
        "statuses": list(change.statuses),
        **_counts(db, document_id),
    }
    if change.links is not None:
        span = change.links
        body["links"] = {"start": span.start, "stop_before": span.stop_before,
                         "stop_after": span.stop_after}
        body["pairs"] = _pairs_between(db, document_id, span.start, span.stop_after)
        body["shifts"] = [{"side": side, "from": at, "delta": delta}
                          for side, at, delta in span.shifts]
    return body


def all_pairs_json(db, document_id: int, start: int = 0, stop: int | None = None) -> list[dict]:
    """The pairs at positions start..stop in the editor's shape (raw queries: this runs on
    every page load, and a long document has thousands of pairs)."""
    with store.snapshot(db):
        return _pairs_json(db, document_id, start, stop)


def _pairs_json(db, document_id: int, start: int, stop: int | None) -> list[dict]:
    links = db.execute(
        "select id, source_ids, target_ids, score, status, updated, updated_by from links "
        "where document_id = ? and position >= ? and position < ? order by position",
        [document_id, start, stop if stop is not None else 1 << 62],
    ).fetchall()
    loads = json.loads
    decoded = [(loads(row[1]), loads(row[2])) for row in links]
    columns = "select id, position, paragraph, text, kind from sentences"
    if start == 0 and stop is None:
        rows = db.execute(f"{columns} where document_id = ?", [document_id]).fetchall()
    else:
        ids = sorted({i for pair in decoded for side in pair for i in side})
        rows = []
        for chunk in range(0, len(ids), 900):
            part = ids[chunk : chunk + 900]
            rows += db.execute(f"{columns} where id in ({','.join('?' * len(part))})",
                               part).fetchall()
    by_id = {row[0]: {"id": row[0], "position": row[1], "paragraph": row[2], "text": row[3],
                      "kind": row[4]} for row in rows}
    return [
        {
            "id": link_id, "score": score, "status": status, "updated": updated,
            "updated_by": updated_by,
            "source": [by_id[i] for i in source_ids],
            "target": [by_id[i] for i in target_ids],
        }
        for (link_id, _, _, score, status, updated, updated_by), (source_ids, target_ids)
        in zip(links, decoded, strict=True)
    ]


def page_state(document: dict) -> dict:
    """What the editor page starts from (embedded in the HTML, so the first paint is fast)."""
    db = get_db()
    with store.snapshot(db):  # the version, the pairs and the undo counts of one moment
        document = store.get_document(db, document["name"]) or document
        return {
            "document": {k: document[k] for k in ("id", "name", "source_lang", "target_lang",
                                                   "version", "updated", "finished",
                                                   "finished_by")},
            "pairs": all_pairs_json(db, document["id"]),
            "undo": review.can_undo_redo(db, document["id"], _user()),
            "undo_by_user": review.undo_counts_by_user(db, document["id"]),
            "api": url_for("documents.document", name=document["name"]),
        }


def page_state_json(document: dict) -> Markup:
    """`page_state` as JSON that is safe inside a <script> element."""
    return Markup(htmlsafe_json_dumps(page_state(document), separators=(",", ":")))


# --- requests -------------------------------------------------------------------------


def _document(name: str) -> dict:
    document = store.get_document(get_db(), name)
    if document is None:
        abort(404, description=f"No document named {name!r}.")
    return document


def _body() -> dict:
    """The JSON object, already checked against its schema by the request guard."""
    return json_body()


def _user() -> str | None:
    return auth.acting_user(request.headers.get(USER_HEADER) or _body().get("user"))


def _version() -> int | None:
    return _body().get("version")


def _field(name: str, kind=str):
    value = _body().get(name)
    if value is None:
        raise review.ReviewError(f"the JSON body needs `{name}`")
    if not isinstance(value, kind) or isinstance(value, bool):
        raise review.ReviewError(f"`{name}` must be a {kind.__name__}")
    return value


def _run(name: str, operation, conflict_details=None):
    """Call `operation(db, document_id, user=, version=)` and answer with what changed.

    On a conflict, `conflict_details(db, document_id)` adds what the page needs to show
    the translator what changed (a text edit: the other version of the sentence)."""
    document = _document(name)
    db = get_db()
    try:
        change = operation(db, document["id"], user=_user(), version=_version())
    except review.Conflict as error:
        body = {"error": "conflict", "message": str(error), "version": error.current}
        if conflict_details is not None:
            body.update(conflict_details(db, document["id"]))
        return jsonify(body), 409
    except review.DocumentFinished as error:
        return jsonify({"error": "finished", "message": str(error)}), 423
    except review.UndoBlocked as error:
        return jsonify({"error": "undo_conflict", "message": str(error), "by": error.by}), 409
    except review.NotFound as error:
        return jsonify({"error": "not_found", "message": str(error)}), 404
    except review.ReviewError as error:
        return jsonify({"error": "invalid", "message": str(error)}), 400
    with store.snapshot(db):
        return jsonify(change_json(db, document["id"], change))


@bp.post("/documents/<name>/links/<int:link_id>/status")
def set_status(name: str, link_id: int):
    return _run(name, lambda db, doc, **kw: review.set_status(
        db, doc, link_id, _body().get("status", Status.CONFIRMED), **kw))


@bp.post("/documents/<name>/range-status")
def set_status_range(name: str):
    """Rows `first`..`last` (link ids, either order) all get `status` in one undoable step."""
    return _run(name, lambda db, doc, **kw: review.set_status_range(
        db, doc, _field("first", int), _field("last", int),
        _body().get("status", Status.EXCLUDED), **kw))


@bp.post("/documents/<name>/links/<int:link_id>/confirm-through")
def confirm_through(name: str, link_id: int):
    return _run(name, lambda db, doc, **kw: review.confirm_through(db, doc, link_id, **kw))


@bp.post("/documents/<name>/links/<int:link_id>/merge")
def merge(name: str, link_id: int):
    return _run(name, lambda db, doc, **kw: review.merge(
        db, doc, link_id, _body().get("direction", review.DOWN), scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/links/<int:link_id>/split")
def split(name: str, link_id: int):
    return _run(name, lambda db, doc, **kw: review.split(
        db, doc, link_id, scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/links/<int:link_id>/shift")
def shift(name: str, link_id: int):
    return _run(name, lambda db, doc, **kw: review.shift(
        db, doc, link_id, _field("side"), _field("direction"), scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/links/<int:link_id>/insert-empty")
def insert_empty(name: str, link_id: int):
    return _run(name, lambda db, doc, **kw: review.insert_empty(
        db, doc, link_id, _field("side"), scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/sentences/<int:sentence_id>/text")
def edit_text(name: str, sentence_id: int):
    """Save a sentence's new text. The body may name the `base` text the translator started
    from: a 409 then carries theirs, yours and that base, so the page can show all three."""
    yours, base = _body().get("text"), _body().get("base")

    def details(db, document_id: int) -> dict:
        return {"text_conflict": text_conflict_json(
            db, document_id, sentence_id, yours if isinstance(yours, str) else None,
            base if isinstance(base, str) else None)}

    return _run(name, lambda db, doc, **kw: review.edit_text(
        db, doc, sentence_id, _field("text"), scorer=_scorer(db), **kw),
        conflict_details=details)


def text_conflict_json(db, document_id: int, sentence_id: int, yours: str | None,
                       base: str | None) -> dict:
    """The three versions of a sentence two translators edited at once, and who saved theirs.

    `theirs` is None when the sentence is gone (joined into its neighbour meanwhile)."""
    row = db.execute("select text from sentences where id = ? and document_id = ?",
                     [sentence_id, document_id]).fetchone()
    holder = db.execute(
        "select updated_by, updated from links where document_id = ? and ("
        "exists (select 1 from json_each(links.source_ids) where value = ?) or "
        "exists (select 1 from json_each(links.target_ids) where value = ?))",
        [document_id, sentence_id, sentence_id],
    ).fetchone() if row else None
    changed = None if base is None or row is None else row[0] != base  # None: cannot tell
    return {"sentence_id": sentence_id, "theirs": row[0] if row else None, "yours": yours,
            "base": base, "changed": changed,
            "by": holder[0] if holder else None, "at": holder[1] if holder else None}


@bp.post("/documents/<name>/sentences/<int:sentence_id>/split")
def split_sentence(name: str, sentence_id: int):
    return _run(name, lambda db, doc, **kw: review.split_sentence(
        db, doc, sentence_id, _field("offset", int), scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/sentences/<int:sentence_id>/join")
def join_sentences(name: str, sentence_id: int):
    return _run(name, lambda db, doc, **kw: review.join_sentences(
        db, doc, sentence_id, scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/undo")
def undo(name: str):
    """Your own latest change; with `seq`, that change of the history, whoever made it."""
    return _run(name, lambda db, doc, **kw: review.undo(db, doc, seq=_optional_seq(), **kw))


@bp.post("/documents/<name>/redo")
def redo(name: str):
    return _run(name, lambda db, doc, **kw: review.redo(db, doc, seq=_optional_seq(), **kw))


def _optional_seq() -> int | None:
    return None if _body().get("seq") is None else _field("seq", int)


@bp.post("/documents/<name>/realign")
def realign(name: str):
    model = embedder(current_app)
    return _run(name, lambda db, doc, **kw: review.realign(db, doc, model, **kw))


@bp.post("/documents/<name>/finish")
def finish(name: str):
    """Mark the document finished: locked against edits until it is reopened."""
    return _document_state(name, review.finish)


@bp.post("/documents/<name>/reopen")
def reopen(name: str):
    return _document_state(name, review.reopen)


def _document_state(name: str, operation):
    document = _document(name)
    db = get_db()
    try:
        return jsonify(operation(db, document["id"], user=_user(), version=_version()))
    except review.Conflict as error:
        return jsonify({"error": "conflict", "message": str(error),
                        "version": error.current}), 409
    except review.NotFound as error:  # deleted meanwhile
        return jsonify({"error": "not_found", "message": str(error)}), 404
    except review.ReviewError as error:
        return jsonify({"error": "invalid", "message": str(error)}), 400


@bp.get("/documents/<name>/state.json")
def state(name: str):
    """The editor's whole starting state again: the page reloads it after a conflict."""
    document = _document(name)
    return jsonify(page_state(document))


@bp.get("/documents/<name>/history.json")
def history(name: str):
    document = _document(name)
    db = get_db()
    return jsonify({"document": name, "version": document["version"],
                    "history": review.history(db, document["id"]),
                    **review.can_undo_redo(db, document["id"], _user())})


@bp.get("/documents/<name>/version.json")
def version(name: str):
    """Cheap to poll: the page compares it with its own version to spot others' edits."""
    document = _document(name)
    return jsonify({"version": document["version"], "updated": document["updated"],
                    "finished": document["finished"], "finished_by": document["finished_by"],
                    "last_change": review.last_event(get_db(), document["id"])})


@bp.get("/documents/<name>/map.json")
def similarity_map(name: str):
    """The sentence-similarity matrix, max-pooled to at most MAP_CELLS² cells (0–255)."""
    document = _document(name)
    db = get_db()
    map_embedder = _map_embedder(embedder(current_app))
    model = map_embedder.name
    with store.snapshot(db):
        source = store.sentences(db, document["id"], store.SOURCE)
        target = store.sentences(db, document["id"], store.TARGET)
    grid = similarity_grid(db, model, [r["text"] for r in source], [r["text"] for r in target],
                           embedder=map_embedder)
    return jsonify({
        "model": model, "source_count": len(source), "target_count": len(target),
        **grid,
    })


def _map_embedder(model: Embedder) -> Embedder:
    """The model whose cached vectors the map draws: a pair's first one (each model of a
    pair keeps its vectors under its own name)."""
    while isinstance(model, EmbedderPair):
        model = model.first
    return model


def similarity_grid(db, model: str, source: list[str], target: list[str],
                    cells: int = MAP_CELLS, embedder: Embedder | None = None) -> dict:
    """Pool the cosine similarities of cached vectors onto a grid of at most `cells`² bins.

    A few sentences without a cached vector (corrected or split by hand) are embedded with
    `embedder` (the model `model` names). A document whose vectors are mostly missing was
    never aligned with this model: the answer then has no matrix, and the page draws the
    alignment path alone rather than wait for a whole document to be embedded.
    """
    rows, cols = min(cells, len(source)), min(cells, len(target))
    empty = {"rows": rows, "cols": cols, "cells": None}
    if not rows or not cols:
        return empty
    cache = store.SqliteEmbeddingCache(db)
    keys_s, keys_t = [text_key(t) for t in source], [text_key(t) for t in target]
    found = cache.get_vectors(model, sorted(set(keys_s) | set(keys_t)))
    missing = {key: text for key, text in zip(keys_s + keys_t, source + target, strict=True)
               if key not in found}
    if missing and embedder is not None and found and \
            len(missing) <= max(MAP_EMBED_LIMIT, len(found) // 10):
        try:
            vectors = CachedEmbedder(embedder, cache).encode(list(missing.values()))
        except ModelLoadError:
            return empty
        found.update(zip(missing, vectors, strict=True))
    if any(k not in found for k in keys_s) or any(k not in found for k in keys_t):
        return empty
    vs = np.stack([found[k] for k in keys_s])
    vt = np.stack([found[k] for k in keys_t])
    col_starts = (np.arange(cols) * len(target)) // cols
    row_starts = (np.arange(rows) * len(source)) // rows
    if len(source) * len(target) > EXACT_MAP_LIMIT:
        # Long documents: compare the centroids of the bins instead (cheap, and a
        # stretch of translated sentences still stands out against unrelated ones).
        grid = _centroids(vs, row_starts) @ _centroids(vt, col_starts).T
    else:
        grid = np.empty((rows, cols), dtype=np.float32)
        for r in range(rows):
            stop = row_starts[r + 1] if r + 1 < rows else len(source)
            block = vs[row_starts[r] : stop] @ vt.T
            grid[r] = np.maximum.reduceat(block.max(axis=0), col_starts)
    scaled = np.clip(grid, 0.0, 1.0) * 255
    return {"rows": rows, "cols": cols,
            "cells": scaled.round().astype(np.uint8).ravel().tolist()}


def _centroids(vectors: np.ndarray, starts: np.ndarray) -> np.ndarray:
    sums = np.add.reduceat(vectors, starts, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return sums / norms


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def editor_state():
        return {"review_page_state": page_state_json}
