"""The documents list and the side-by-side view of one document, each with a JSON twin."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_from_directory

from workbench import store
from workbench.web.db import get_db
from workbench.web.review import review_state
from workbench.web.twins import Answer, twin
from workbench.web.urls import DOCUMENT_RULE

bp = Blueprint("documents", __name__)


def _progress(document: dict) -> dict:
    document["progress"] = store.review_progress(
        document["links"], document["reviewed"], document["excluded"])
    return document


def _documents() -> list[dict]:
    return [_progress(d) for d in store.list_documents(get_db())]


@twin(bp, "/", endpoint="index", json_rule="/documents.json")
def index() -> Answer:
    """Every document with its review progress, and the corpus's summary."""
    documents = _documents()
    return Answer(
        data=lambda: {"documents": documents, "summary": store.status_summary(get_db())},
        template="documents.html", context={"documents": documents})


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: answer with the SVG icon."""
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


def _document_or_404(name: str) -> dict:
    document = store.get_document(get_db(), name)
    if document is None:
        abort(404, description=f"No document named {name!r}.")
    return document


def _pair_json(pair: dict) -> dict:
    return {
        "id": pair["id"],
        "position": pair["position"],
        "score": pair["score"],
        "status": pair["status"],
        "source": [_sentence_json(s) for s in pair["source"]],
        "target": [_sentence_json(s) for s in pair["target"]],
        "updated": pair["updated"],
        "updated_by": pair["updated_by"],
    }


def _sentence_json(sentence: dict) -> dict:
    return {k: sentence[k] for k in ("id", "position", "paragraph", "text")}


@twin(bp, DOCUMENT_RULE, endpoint="document")
def document(name: str) -> Answer:
    """A document and its pairs: the editor, or its rows as JSON."""
    document = _document_or_404(name)
    # the editor's rows come from `review_page_state` (workbench.web.review)
    return Answer(
        data=lambda: {"document": document, "pairs": [
            _pair_json(p) for p in store.pairs(get_db(), document["id"])],
            "review": review_state(get_db(), document["id"])},
        template="document.html", context={"document": document})
