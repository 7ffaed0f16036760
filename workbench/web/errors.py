"""Errors answer in the language of the request: JSON for the API, a page for a browser.

Every HTTPException (an `abort()`, routing's 404 and 405, 413, 415) and an unexpected
exception (a 500) goes through here, so a JSON client never has to parse an HTML error page.

The domain's errors name a kind of failure (`workbench.errors.ErrorKind`), never an HTTP
status: `STATUS_OF_KIND` below is the one table that turns a kind into a status, for
every blueprint (`status_of`), and a domain error no view caught is answered with it.
"""

from __future__ import annotations

import re

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, default_exceptions

from workbench.errors import DomainError, ErrorKind

# The editor's API under /documents/NAME/... (links, sentences, undo, redo, realign...).
API_PATH = re.compile(r"^/documents/[^/]+/")
CODES = {400: "invalid", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 415: "unsupported_media_type",
         429: "too_many_requests", 500: "server_error", 503: "busy"}
STATUS_OF_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 400,
    ErrorKind.REFUSED: 401,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.UNSUPPORTED: 415,
    ErrorKind.LOCKED: 423,
    ErrorKind.TOO_MANY_ATTEMPTS: 429,
    ErrorKind.BUSY: 503,
}


def status_of(error: DomainError) -> int:
    """The HTTP status that answers a domain error of this kind."""
    return STATUS_OF_KIND[error.kind]


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


def handle_domain_error(error: DomainError):
    """A domain error no view turned into an answer: its kind's status, its message."""
    return handle_http_error(default_exceptions[status_of(error)](description=str(error)))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DomainError, handle_domain_error)
