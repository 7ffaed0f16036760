"""Terminology: lookup, glossary and consistency report, each page with a JSON twin."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    request,
    url_for,
)

from workbench import consistency, store, termindex
from workbench import terms as T
from workbench.glossary import (
    MAX_IMPORT_BYTES,
    GlossaryFormatError,
    check_size,
    read_glossary,
    to_tbx,
    to_tsv,
)
from workbench.store import glossary as glossary_store
from workbench.web import auth
from workbench.web.db import get_db
from workbench.web.errors import status_of
from workbench.web.security import json_body
from workbench.web.services import services
from workbench.web.twins import Answer, twin
from workbench.web.urls import lookup_json_with_urls, report_json_with_urls

bp = Blueprint("terms", __name__)

PAGE_SIZE = 50


def _encoder():
    """The app's embedder's `encode`, cached in the database, or None when the configuration
    turns the lookup's embeddings off (`TERMS_EMBEDDER = False`)."""
    return services().term_encoder(get_db())


def _filters() -> termindex.Filters:
    return termindex.Filters(
        confirmed_only=request.args.get("confirmed") in ("1", "on", "true"),
        document=request.args.get("document") or None,
    )


def _lookup():
    """Run the lookup the query string asks for: (result or None, refusal or None)."""
    text = (request.args.get("q") or "").strip()
    if not text:
        return None, None
    try:
        return _run_lookup(text), None
    except T.QueryError as error:
        return None, error


def _run_lookup(text: str) -> termindex.LookupResult:
    lang = request.args.get("lang") or None
    if lang and lang not in termindex.document_languages(get_db()):
        raise T.QueryError(f"no stored document is in the language {lang!r}")
    try:
        limit = min(500, max(1, int(request.args.get("limit", PAGE_SIZE))))
    except ValueError:
        raise T.QueryError("limit must be a whole number") from None
    return termindex.lookup(
        get_db(), text, lang=lang, filters=_filters(),
        variant=request.args.get("variant") or None, limit=limit, encode=_encoder(),
    )


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


@twin(bp, "/lookup", endpoint="lookup_page", json_endpoint="lookup_json")
def lookup_page() -> Answer:
    """How a term was translated: its distinct translations, and the pairs holding it."""
    result, error = _lookup()
    if error:
        return Answer(data={"error": str(error)}, template="lookup.html",
                      context=lambda: _lookup_context(None, str(error)), status=status_of(error))
    if result is None:  # the empty form; its JSON twin has nothing to answer
        return Answer(data={"error": "give a term to look up: /lookup.json?q=TERM"},
                      template="lookup.html", context=lambda: _lookup_context(None, None),
                      json_status=400)
    return Answer(data=lambda: lookup_json_with_urls(termindex.result_json(result)),
                  template="lookup.html", context=lambda: _lookup_context(result, None))


def _lookup_context(result: termindex.LookupResult | None, error: str | None) -> dict:
    return {"result": result, "error": error, "args": request.args,
            "documents": store.list_documents(get_db()),
            "languages": termindex.document_languages(get_db()), "segments": segments,
            "glossary_pair": _glossary_pair}


# --- glossary -----------------------------------------------------------------------


def _languages() -> tuple[str, str]:
    return glossary_store.corpus_languages(get_db())


def _form() -> dict:
    """The entry's fields, from the form or the JSON body (its schema checked by the guard)."""
    data = json_body() if request.is_json else request.form
    return {key: (data.get(key) or "") for key in ("source_term", "target_term", "note")}


def _glossary_context(**context) -> dict:
    return {"entries": glossary_store.entries(get_db()), "error": request.args.get("error"),
            "message": request.args.get("message"),
            "max_import_mb": MAX_IMPORT_BYTES // 1024 // 1024, **context}


@twin(bp, "/glossary", endpoint="glossary_page", json_endpoint="glossary_json")
def glossary_page() -> Answer:
    """The glossary's entries."""
    return Answer(data=lambda: {"entries": glossary_store.entries(get_db())},
                  template="glossary.html", context=_glossary_context)


def _on_existing() -> str:
    """What to do when the pair exists: `?on_existing=keep-both|replace`, else ask."""
    return request.args.get("on_existing") or "ask"


def _add_entry(form: dict):
    source_lang, target_lang = _languages()
    return glossary_store.add(
        get_db(), form["source_term"], form["target_term"], form["note"],
        source_lang=source_lang, target_lang=target_lang, on_existing=_on_existing(),
    )


@twin(bp, "/glossary", endpoint="glossary_add", methods=["POST"], json_bodies=True)
def glossary_add() -> Answer:
    """Add a pair; an existing pair is a 409 with the entry, unless `on_existing` says how.

    The glossary page's form is answered with a page; a JSON body with JSON."""
    form = _form()
    try:
        entry = _add_entry(form)
    except glossary_store.DuplicateEntry as duplicate:
        found = duplicate
        # The page asks, with what was typed: keep both notes, replace the note, or cancel.
        return Answer(
            data={"error": str(found), "existing": found.existing,
                  "proposed_note": found.proposed_note,
                  "choices": {"on_existing": ["keep-both", "replace"]}},
            template="glossary.html", status=status_of(found),
            context=lambda: _glossary_context(duplicate=found, proposed=form))
    except glossary_store.GlossaryError as error:
        return Answer(data={"error": str(error)}, status=status_of(error),
                      page=redirect(url_for("terms.glossary_page", error=str(error))))
    done = {"keep-both": "Notes merged", "replace": "Note replaced"}.get(_on_existing(), "Added")
    return Answer(
        data={"entry": entry}, json_status=200 if _on_existing() != "ask" else 201,
        page=redirect(url_for(
            "terms.glossary_page",
            message=f"{done}: {entry['source_term']} → {entry['target_term']}.",
            _anchor=f"entry-{entry['id']}",
        )))


@bp.post("/glossary/<int:entry_id>")
def glossary_edit(entry_id: int):
    form = _form()
    try:
        entry = glossary_store.update(
            get_db(), entry_id, form["source_term"], form["target_term"], form["note"]
        )
    except glossary_store.GlossaryError as error:
        if request.is_json:
            return jsonify({"error": str(error)}), status_of(error)
        return redirect(url_for("terms.glossary_page", error=str(error)))
    if request.is_json:
        return jsonify({"entry": entry})
    return redirect(url_for("terms.glossary_page", message="Saved."))


@bp.post("/glossary/<int:entry_id>/delete")
def glossary_delete(entry_id: int):
    try:
        glossary_store.delete(get_db(), entry_id)
    except glossary_store.GlossaryError as error:
        abort(status_of(error), description=f"No glossary entry {entry_id}.")
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
    """Import a tab-separated or TBX glossary, whole or not at all."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return redirect(url_for(
            "terms.glossary_page", error="Choose a TBX or tab-separated file to import."))
    source_lang, target_lang = _languages()
    try:
        data = upload.stream.read(MAX_IMPORT_BYTES + 1)  # never more than the limit in memory
        if len(data) > MAX_IMPORT_BYTES:
            check_size(max(len(data), request.content_length or 0))
        entries = read_glossary(data, upload.filename, source_lang, target_lang)
        summary = glossary_store.import_entries(
            get_db(), entries, source_lang=source_lang, target_lang=target_lang
        )
    except (GlossaryFormatError, glossary_store.GlossaryError) as error:
        return redirect(url_for("terms.glossary_page", error=f"Nothing imported: {error}"))
    return redirect(url_for("terms.glossary_page", message=summary.message()))


# --- consistency --------------------------------------------------------------------


@twin(bp, "/consistency", endpoint="consistency_page", json_endpoint="consistency_json")
def consistency_page() -> Answer:
    """Where a glossary term occurs without its approved translation."""
    reports = consistency.consistency(get_db(), _filters())
    return Answer(
        data=lambda: {"entries": [report_json_with_urls(consistency.report_json(r))
                                  for r in reports]},
        template="consistency.html",
        context=lambda: {"reports": reports, "segments": segments, "args": request.args,
                         "documents": store.list_documents(get_db()),
                         "message": request.args.get("message"),
                         "error": request.args.get("error")})


def _back_to_report(entry_id: int, **message):
    """The report where the translator was: same filters, at the entry's section."""
    kept = {k: v for k, v in request.args.items() if k in ("confirmed", "document") and v}
    return redirect(url_for("terms.consistency_page", **kept, **message,
                            _anchor=f"entry-{entry_id}"))


def _accept(entry_id: int, link_id: int) -> dict:
    sent = json_body() if request.is_json else request.form
    user = auth.acting_user(request.headers.get("X-Workbench-User") or sent.get("user"))
    return consistency.accept(get_db(), entry_id, link_id, user, _filters())


@twin(bp, "/consistency/<int:entry_id>/accept/<int:link_id>", endpoint="consistency_accept",
      methods=["POST"])
def consistency_accept(entry_id: int, link_id: int) -> Answer:
    """Accept an occurrence as it is: the report lists it apart from then on."""
    try:
        accepted = _accept(entry_id, link_id)
    except glossary_store.GlossaryError as error:
        return Answer(data={"error": str(error)}, status=status_of(error),
                      page=_back_to_report(entry_id, error=str(error)))
    where = f"{accepted['document']} #{accepted['position'] + 1}"
    return Answer(data={"accepted": accepted},
                  page=_back_to_report(entry_id, message=f"Accepted the rendering in {where}."))


@twin(bp, "/consistency/<int:entry_id>/accept/<int:link_id>/delete",
      endpoint="consistency_withdraw", methods=["POST"])
def consistency_withdraw(entry_id: int, link_id: int) -> Answer:
    """Put an accepted occurrence back among those to check."""
    try:
        glossary_store.withdraw(get_db(), entry_id, link_id)
    except glossary_store.GlossaryError as error:
        return Answer(data={"error": str(error)}, status=status_of(error),
                      page=_back_to_report(entry_id, error=str(error)))
    return Answer(data={"withdrawn": {"entry_id": entry_id, "link_id": link_id}},
                  page=_back_to_report(
                      entry_id, message=f"Pair {link_id} is back among those to check."))
