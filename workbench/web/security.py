"""One guard in front of every request, so that every route, old or new, is protected.

- Host: only the names this workbench answers to (loopback by default, more with
  `ALLOWED_HOSTS` or `workbench serve --allow-host`): a DNS-rebinding page gets a 400.
- Writes (any method but GET, HEAD and OPTIONS) from a browser must come from this very
  origin: `Sec-Fetch-Site: cross-site` is refused, and so is an `Origin` that is not this
  request's own scheme://host (a `same-site` request must carry a matching one).
- The JSON API (POST routes ending in `.json` and the editor's API, the `review`
  blueprint) takes `Content-Type: application/json` and a JSON object only, validated
  against its declared schema (`workbench.web.schemas`) before the view runs; the view
  reads it back with `json_body()`.
- An HTML form route takes a JSON body only when `schemas.BODIES` declares one for it
  (validated as above); any other form route (an upload) answers JSON with a 415.
- Every other write (an HTML form, a file upload) carries the session's CSRF token, in the
  `csrf_token` field (`csrf_input()` in a template) or the `X-CSRF-Token` header.
- A JSON request without `Origin` and `Sec-Fetch-Site` needs no token: no browser sends
  `application/json` across sites without both, so scripts and other API clients just work.
- Every answer carries a Content-Security-Policy without inline script, `frame-ancestors
  'none'`, `X-Content-Type-Options: nosniff` and a `Referrer-Policy`.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session
from markupsafe import Markup, escape

from workbench.web import schemas

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_SESSION_KEY = "csrf_token"
JSON_TYPE = "application/json"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
DEFAULT_MAX_JSON_BYTES = 2_000_000

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # the editor colours each row through a CSS variable in a style attribute
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    """Register the guard first among the before-request hooks, and the headers."""
    app.config.setdefault("ALLOWED_HOSTS", [])
    app.config.setdefault("MAX_JSON_BYTES", DEFAULT_MAX_JSON_BYTES)
    if not app.config.get("SECRET_KEY"):
        # Sessions only hold the CSRF token: a fresh key per process is enough (a page left
        # open across a restart asks to be reloaded).
        app.config["SECRET_KEY"] = secrets.token_bytes(32)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.before_request_funcs.setdefault(None, []).insert(0, guard)
    app.after_request(add_security_headers)
    app.add_template_global(csrf_token)
    app.add_template_global(csrf_input)
    app.add_url_rule("/csrf-token.json", "security.csrf_token", csrf_token_json)


# --- templates --------------------------------------------------------------------------


def csrf_token() -> str:
    """This session's token, made on first use."""
    token = session.get(CSRF_SESSION_KEY)
    if not token:
        token = session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def csrf_token_json():
    """The session's token for a script that posts a form or an upload (with its cookie)."""
    return {"csrf_token": csrf_token(), "field": CSRF_FIELD, "header": CSRF_HEADER}


def csrf_input() -> Markup:
    """The hidden field every POST form carries."""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token())}">')


# --- the guard --------------------------------------------------------------------------


def allowed_hosts(config: dict) -> set[str]:
    return {*LOOPBACK_HOSTS, *(h.strip().lower().strip("[]") for h in config["ALLOWED_HOSTS"])}


def host_name(host: str) -> str | None:
    """The name part of a Host header (no port, no brackets), or None when malformed."""
    try:
        parts = urlsplit(f"//{host}")
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return parts.hostname


def guard() -> None:
    """Refuse what this workbench must not answer (see the module's docstring)."""
    name = host_name(request.host)
    if name is None or name not in allowed_hosts(current_app.config):
        abort(400, description=f"This workbench does not answer to the Host {request.host!r}; "
                               "start it with `workbench serve --allow-host NAME` to add a name.")
    if request.method in SAFE_METHODS:
        _check_query()
        return
    _check_origin()
    if request.url_rule is None:
        return  # 404 or 405: routing answers
    if _is_json_api():
        _accept_json()
    elif request.endpoint in schemas.UPLOADS:
        if request.mimetype not in FORM_TYPES:
            abort(415, description="send the files as multipart/form-data")
        _check_token(required=True)
    elif request.mimetype == JSON_TYPE:
        if request.endpoint not in schemas.BODIES:
            abort(415, description="this form takes its fields and files as "
                                   "multipart/form-data, not a JSON body")
        _accept_json()
    else:
        _check_token(required=True)


def _is_json_api() -> bool:
    return request.endpoint not in schemas.UPLOADS and (
        request.path.endswith(".json") or request.blueprint == "review")


def _own_origin() -> str:
    return f"{request.scheme}://{request.host}".lower()


def _check_origin() -> None:
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if site == "cross-site":
        abort(403, description="a page of another site cannot change anything here")
    if origin is not None and origin.lower() != _own_origin():
        abort(403, description=f"a page from {origin} cannot change anything here")
    if site == "same-site" and origin is None:
        abort(403, description="a page of another origin cannot change anything here")


def _check_token(required: bool) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.mimetype in FORM_TYPES:
        sent = request.form.get(CSRF_FIELD)
    if sent is None and not required:
        return
    expected = session.get(CSRF_SESSION_KEY)
    if not sent or not expected or not hmac.compare_digest(
            str(sent).encode("utf-8", "replace"), str(expected).encode("utf-8", "replace")):
        abort(403, description="this form has expired or did not come from this workbench: "
                               "reload the page and try again")


def _accept_json() -> None:
    """Parse the JSON object body, validate it against its schema, keep it on `g`."""
    if request.mimetype != JSON_TYPE:
        abort(415, description="send the body as Content-Type: application/json")
    limit = int(current_app.config["MAX_JSON_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        abort(413, description=f"the JSON body is over {limit} bytes")
    _check_token(required=False)  # the Origin check above is what stops a browser
    raw = request.get_data(cache=True)
    if not raw.strip():
        abort(400, description="the body must be a JSON object, such as {}")
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        abort(400, description="the body is not valid JSON")
    if not isinstance(body, dict):
        abort(400, description="the body must be a JSON object, such as {}")
    model = schemas.BODIES.get(request.endpoint)
    try:
        g.json_body = schemas.validate_body(model, body) if model else body
    except schemas.InvalidInput as error:
        abort(400, description=str(error))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_query() -> None:
    model = schemas.QUERIES.get(request.endpoint)
    if model is None:
        return
    try:
        g.query = schemas.validate_query(model, request.args.to_dict())
    except schemas.InvalidInput as error:
        abort(400, description=f"in the query string: {error}")


def json_body() -> dict:
    """The request's validated JSON object ({} for a form or an empty request)."""
    return g.get("json_body", {})


def add_security_headers(response):
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    return response
