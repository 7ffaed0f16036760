"""Errors answer in the language of the request: JSON for the API, a page for a browser.

Every HTTPException (an `abort()`, routing's 404 and 405, 413, 415) and an unexpected
exception (a 500) goes through here, so a JSON client never has to parse an HTML error page.
"""

from __future__ import annotations

import re

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from workbench.errors import DomainError, ErrorKind

# The editor's API under /documents/NAME/... (links, sentences, undo, redo, realign...).
API_PATH = re.compile(r"^/documents/[^/]+/")
CODES = {400: "invalid", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type",
         429: "too_many_requests", 500: "server_error", 503: "busy"}


def wants_json() -> bool:
    """True for the JSON API (and for clients that ask for JSON over HTML)."""
    if request.path.endswith(".json") or request.blueprint == "review" or request.is_json:
        return True
    if API_PATH.match(request.path) and "." not in request.path.rsplit("/", 1)[-1]:
        # not the downloads (export.tsv ...), which a browser opens as a page
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > \
        request.accept_mimetypes["text/html"]


def error_json(error: HTTPException) -> dict:
    status = error.code or 500
    return {"error": CODES.get(status, str(error.name).lower().replace(" ", "_")),
            "message": error.description or error.name, "status": status}


def handle_http_error(error: HTTPException):
    """Also reached by unhandled exceptions, which Flask wraps in a 500 outside tests."""
    status = error.code or 500
    if wants_json():
        response = jsonify(error_json(error))
    else:
        response = render_template("error.html", error=error, status=status)
    allow = dict(error.get_headers()).get("Allow")
    return response, status, {"Allow": allow} if allow else {}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)


KIND_STATUS = {ErrorKind.INVALID: 400, ErrorKind.NOT_FOUND: 404, ErrorKind.CONFLICT: 409,
               ErrorKind.TOO_LARGE: 413, ErrorKind.UNSUPPORTED: 415, ErrorKind.LOCKED: 423,
               ErrorKind.BUSY: 503}
"""The HTTP status that answers each kind of domain error."""


def status_for(error: DomainError) -> int:
    """The HTTP status of a domain error: the web layer's word for its kind."""
    return KIND_STATUS[error.kind]
