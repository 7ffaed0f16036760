"""The documents list and the side-by-side view of one document, each with a JSON twin."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, send_from_directory

from workbench import store
from workbench.web.db import get_db
from workbench.web.urls import DOCUMENT_RULE

bp = Blueprint("documents", __name__)


def _progress(document: dict) -> dict:
    document["progress"] = store.review_progress(
        document["links"], document["reviewed"], document["excluded"])
    return document


def _documents() -> list[dict]:
    return [_progress(d) for d in store.list_documents(get_db())]


@bp.get("/")
def index():
    return render_template("documents.html", documents=_documents())


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: answer with the SVG icon."""
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


@bp.get("/documents.json")
def index_json():
    return jsonify({"documents": _documents(), "summary": store.status_summary(get_db())})


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


@bp.get(DOCUMENT_RULE)
def document(name: str):
    document = _document_or_404(name)
    # the editor's rows come from `review_page_state` (workbench.web.review)
    return render_template("document.html", document=document)


@bp.get("/documents/<name>.json")
def document_json(name: str):
    document = _document_or_404(name)
    pairs = store.pairs(get_db(), document["id"])
    return jsonify({"document": document, "pairs": [_pair_json(p) for p in pairs]})
