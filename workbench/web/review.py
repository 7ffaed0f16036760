"""The JSON API of the alignment editor: one endpoint per operation, plus undo, redo,
re-alignment, history and the overview map.

Every POST takes a JSON body with the document `version` the page shows (a stale
one is answered 409) and reads the translator's name from `X-Workbench-User`.
The answer says which rows changed, so the page patches itself without reloading.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, abort, jsonify, request, url_for
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from workbench import review, store
from workbench.embed import Embedder
from workbench.review_order import expected_errors, review_order
from workbench.status import Status
from workbench.store import edits
from workbench.web import auth
from workbench.web.db import get_db
from workbench.web.errors import status_of
from workbench.web.security import json_body
from workbench.web.services import services

bp = Blueprint("review", __name__)

USER_HEADER = "X-Workbench-User"


def _realign_model() -> Embedder:
    """The model that re-aligns the rows around a correction: the app's one embedder."""
    return services().embedder()


def _scorer(db) -> review.Scorer:
    """Reshaped rows get the aligner's calibrated confidence, computed with the app's model."""
    return services().scorer()


# --- JSON shapes ------------------------------------------------------------------------


def _pairs_between(db, document_id: int, start: int, stop: int) -> list[dict]:
    return all_pairs_json(db, document_id, start, stop)


def _counts(db, document_id: int) -> dict:
    total, reviewed, excluded = edits.review_counts(db, document_id)
    return {"total": total, "reviewed": reviewed, "excluded": excluded,
            **review.can_undo_redo(db, document_id, _user())}


def change_json(db, document_id: int, change: review.Change) -> dict:
    body = {
        "version": change.version, "op": change.op, "summary": change.summary,
        "focus_link": change.focus_link, "links": None, "pairs": [], "shifts": [],
        "statuses": list(change.statuses), "realigned": list(change.changed_links),
        "scores": list(change.scores),
        **_counts(db, document_id), **review_state(db, document_id),
    }
    if change.links is not None:
        span = change.links
        body["links"] = {"start": span.start, "stop_before": span.stop_before,
                         "stop_after": span.stop_after}
        body["pairs"] = _pairs_between(db, document_id, span.start, span.stop_after)
        body["shifts"] = [{"side": side, "from": at, "delta": delta}
                          for side, at, delta in span.shifts]
    return body


def review_state(db, document_id: int) -> dict:
    """What is left to review: the automatic rows, how many of them are likely wrong (the
    sum of 1 − confidence), and their ids in the order to look at them (the editor's
    "least confident" jump follows it, so a better order changes the editor too)."""
    rows = edits.review_rows(db, document_id)
    return {"unreviewed": sum(row["status"] == Status.AUTO for row in rows),
            "expected_errors": round(expected_errors(rows), 3),
            "review_order": review_order(rows)}


def all_pairs_json(db, document_id: int, start: int = 0, stop: int | None = None) -> list[dict]:
    """The pairs at positions start..stop in the editor's shape (raw queries: this runs on
    every page load, and a long document has thousands of pairs)."""
    with store.snapshot(db):
        return _pairs_json(db, document_id, start, stop)


def _pairs_json(db, document_id: int, start: int, stop: int | None) -> list[dict]:
    links, rows = edits.editor_rows(db, document_id, start, stop)
    loads = json.loads
    decoded = [(loads(row[1]), loads(row[2])) for row in links]
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
            "review": review_state(db, document["id"]),
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
    except (review.ReviewError, review.Conflict) as error:
        body = _error_json(error)
        if isinstance(error, review.Conflict) and conflict_details is not None:
            body.update(conflict_details(db, document["id"]))
        return jsonify(body), status_of(error)
    with store.snapshot(db):
        return jsonify(change_json(db, document["id"], change))


def _correct(name: str, operation, conflict_details=None):
    """`_run` for a correction: with `realign` in the body, the automatic rows around the
    corrected ones are then re-aligned, in the same undo step."""
    if not _body().get("realign"):
        return _run(name, operation, conflict_details)

    def corrected_and_realigned(db, document_id: int, **kw) -> review.Change:
        change = operation(db, document_id, **kw)
        return review.realign_after(db, document_id, change, _realign_model(),
                                    user=kw["user"], memo=services().vectors)

    return _run(name, corrected_and_realigned, conflict_details)


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


@bp.post("/documents/<name>/confirm-above")
def confirm_above(name: str):
    """Confirm every automatic row scoring at least `threshold`, in one undoable step."""
    return _run(name, lambda db, doc, **kw: review.confirm_above(
        db, doc, _body()["threshold"], **kw))


@bp.post("/documents/<name>/links/<int:link_id>/merge")
def merge(name: str, link_id: int):
    return _correct(name, lambda db, doc, **kw: review.merge(
        db, doc, link_id, _body().get("direction", review.DOWN), scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/links/<int:link_id>/split")
def split(name: str, link_id: int):
    return _correct(name, lambda db, doc, **kw: review.split(
        db, doc, link_id, scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/links/<int:link_id>/shift")
def shift(name: str, link_id: int):
    return _correct(name, lambda db, doc, **kw: review.shift(
        db, doc, link_id, _field("side"), _field("direction"), scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/links/<int:link_id>/insert-empty")
def insert_empty(name: str, link_id: int):
    return _correct(name, lambda db, doc, **kw: review.insert_empty(
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

    return _correct(name, lambda db, doc, **kw: review.edit_text(
        db, doc, sentence_id, _field("text"), scorer=_scorer(db), **kw),
        conflict_details=details)


def text_conflict_json(db, document_id: int, sentence_id: int, yours: str | None,
                       base: str | None) -> dict:
    """The three versions of a sentence two translators edited at once, and who saved theirs.

    `theirs` is None when the sentence is gone (joined into its neighbour meanwhile)."""
    theirs = edits.sentence_text(db, document_id, sentence_id)
    holder = None if theirs is None else edits.last_review_of_sentence(db, document_id,
                                                                       sentence_id)
    changed = None if base is None or theirs is None else theirs != base  # None: cannot tell
    return {"sentence_id": sentence_id, "theirs": theirs, "yours": yours,
            "base": base, "changed": changed,
            "by": holder[0] if holder else None, "at": holder[1] if holder else None}


@bp.post("/documents/<name>/sentences/<int:sentence_id>/split")
def split_sentence(name: str, sentence_id: int):
    return _correct(name, lambda db, doc, **kw: review.split_sentence(
        db, doc, sentence_id, _field("offset", int), scorer=_scorer(db), **kw))


@bp.post("/documents/<name>/sentences/<int:sentence_id>/join")
def join_sentences(name: str, sentence_id: int):
    return _correct(name, lambda db, doc, **kw: review.join_sentences(
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
    model = services().embedder()
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
    except (review.ReviewError, review.Conflict) as error:  # NotFound: deleted meanwhile
        return jsonify(_error_json(error)), status_of(error)


def _error_json(error: review.ReviewError | review.Conflict) -> dict:
    """A refused edit: what the page needs to explain it (and to catch up, on a conflict)."""
    if isinstance(error, review.Conflict):
        return {"error": "conflict", "message": str(error), "version": error.current}
    if isinstance(error, review.UndoBlocked):
        return {"error": "undo_conflict", "message": str(error), "by": error.by}
    if isinstance(error, review.DocumentFinished):
        return {"error": "finished", "message": str(error)}
    return {"error": "not_found" if isinstance(error, review.NotFound) else "invalid",
            "message": str(error)}


@bp.get("/documents/<name>/state.json")
def state(name: str):
    """The editor's whole starting state again: the page reloads it after a conflict."""
    document = _document(name)
    return jsonify(page_state(document))


@bp.get("/documents/<name>/review.json")
def review_json(name: str):
    """The rows left to review, in the order to look at them, and the errors to expect."""
    db = get_db()
    with store.snapshot(db):  # the version and the rows of one moment
        document = _document(name)
        return jsonify({"document": name, "version": document["version"],
                        **review_state(db, document["id"])})


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
    return jsonify(services().document_map(get_db(), document["id"]))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def editor_state():
        return {"review_page_state": page_state_json}
