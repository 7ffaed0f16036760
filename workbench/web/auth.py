"""Logins for a team server: accounts, signed session cookies and roles.

On loopback `workbench serve` stays login-free for one person. With `REQUIRE_LOGIN`
(set by `workbench serve` off loopback, or by `--require-login`) every route needs a
signed-in account, and `ENDPOINT_ROLES` below is the one place that says which role
each route needs: a reviewer edits, an admin also imports, replaces and re-splits.
A write route missing from it is refused, so a route added later cannot slip through
unguarded (and `tests/test_auth.py` fails until it is declared).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface

from workbench import user_store
from workbench.user_store import ADMIN, REVIEWER, Account
from workbench.web.db import get_db
from workbench.web.errors import status_of

bp = Blueprint("auth", __name__)

ANYONE = "anyone"  # no login needed: the login page itself, static files
SIGNED_IN = "signed-in"  # any account: reading
LEVELS = (ANYONE, SIGNED_IN, REVIEWER, ADMIN)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# a reverse proxy adds these: a login-free server must not be reachable through one
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")
DEFAULT_SESSION_HOURS = 12  # a working day; then the translator logs in again
SESSION_COOKIE = "workbench_session"

# Every route that changes something, and the pages that only lead to such a change.
# Any other GET route needs a signed-in account (of either role).
ENDPOINT_ROLES: dict[str, str] = {
    "static": ANYONE,
    "auth.login_page": ANYONE,
    "auth.login": ANYONE,
    "auth.login_json": ANYONE,
    "auth.logout": ANYONE,
    "auth.me_json": ANYONE,
    "documents.favicon": ANYONE,
    # review operations
    "review.set_status": REVIEWER,
    "review.confirm_through": REVIEWER,
    "review.confirm_above": REVIEWER,
    "review.merge": REVIEWER,
    "review.split": REVIEWER,
    "review.shift": REVIEWER,
    "review.insert_empty": REVIEWER,
    "review.edit_text": REVIEWER,
    "review.split_sentence": REVIEWER,
    "review.join_sentences": REVIEWER,
    "review.undo": REVIEWER,
    "review.redo": REVIEWER,
    "review.realign": REVIEWER,
    "review.set_status_range": REVIEWER,
    "review.finish": REVIEWER,
    "review.reopen": REVIEWER,
    # glossary edits
    "terms.glossary_add": REVIEWER,
    "terms.glossary_add_json": REVIEWER,
    "terms.consistency_accept": REVIEWER,
    "terms.consistency_accept_json": REVIEWER,
    "terms.consistency_withdraw": REVIEWER,
    "terms.consistency_withdraw_json": REVIEWER,
    "terms.glossary_edit": REVIEWER,
    "terms.glossary_delete": REVIEWER,
    # imports (new documents, re-import / replace), compilation re-split, glossary import
    "imports.upload": ADMIN,
    "imports.upload_json": ADMIN,
    "imports.upload_post": ADMIN,
    "imports.upload_post_json": ADMIN,
    "imports.resplit": ADMIN,
    "imports.resplit_json": ADMIN,
    "terms.glossary_import": ADMIN,
    # the import jobs: who imported what, and the errors of their files
    "imports.jobs_json": ADMIN,
    "imports.job_json": ADMIN,
    "imports.job_page": ADMIN,
}
_RANK = {SIGNED_IN: 0, REVIEWER: 1, ADMIN: 2}
_WHAT_NEEDS = {REVIEWER: "reviewing needs a reviewer or admin account",
               ADMIN: "importing, replacing and re-splitting need an admin account"}


# --- settings -----------------------------------------------------------------------------


def login_required_here(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("REQUIRE_LOGIN"))


def is_loopback(host: str) -> bool:
    """Whether `workbench serve --host HOST` listens on this computer only."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name: it may resolve to any interface
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket
    return (mapped or address).is_loopback


def secret_key_path(database: str) -> Path:
    """The session-signing key lives next to the database it protects."""
    path = Path(database)
    return path.with_name(path.name + ".secret-key")


def load_or_create_secret_key(database: str) -> bytes:
    """Generated once (readable by its owner only) and kept, so sessions survive a restart;
    an in-memory database gets a fresh key per app."""
    if database == ":memory:":
        return secrets.token_bytes(32)
    path = secret_key_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes().strip()
        if len(key) >= 32:
            return key
        raise RuntimeError(f"{path} is damaged: delete it (everyone logs in again)") from None
    key = secrets.token_hex(32).encode()
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
    return key


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS
    (or always, with SESSION_COOKIE_SECURE)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


# --- who is asking ------------------------------------------------------------------------


def current_account() -> Account | None:
    """The signed-in account of this request, or None (no login, or login off)."""
    if not login_required_here():
        return None
    if "account" not in g:
        g.account = _session_account()
    return g.account


def recorded_user() -> str | None:
    """The name to record with a change when login is on: the account, never what the
    client sends. None when login is off (the page's free-text name is used then)."""
    account = current_account()
    return account.name if account else None


def acting_user(client_name: str | None) -> str | None:
    """Who a change is recorded under: the account on a team server, else the name the
    page or script gives (login off: one person on this computer)."""
    return recorded_user() if login_required_here() else client_name


def _session_account() -> Account | None:
    account_id, epoch, since = session.get("account"), session.get("epoch"), session.get("since")
    if not all(isinstance(value, int) for value in (account_id, epoch, since)):
        return None
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not 0 <= time.time() - since <= lifetime:  # counted from the login, not the last request
        session.clear()
        return None
    account = user_store.by_id(get_db(), account_id)
    if account is None or account.session_epoch != epoch:
        session.clear()  # removed, logged out or password changed since
        return None
    return account


def required_level(endpoint: str | None, method: str) -> str | None:
    """What a request needs; None for a write route nobody declared (refused)."""
    if endpoint in ENDPOINT_ROLES:
        return ENDPOINT_ROLES[endpoint]
    return None if method in WRITE_METHODS else SIGNED_IN


def undeclared_write_routes(app: Flask) -> list[str]:
    """Routes accepting a write method with no role in ENDPOINT_ROLES."""
    return sorted(
        f"{rule.endpoint} {rule.rule}" for rule in app.url_map.iter_rules()
        if rule.methods and rule.methods & WRITE_METHODS and rule.endpoint not in ENDPOINT_ROLES
    )


def wants_json() -> bool:
    if request.path.endswith(".json") or request.is_json:
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def _refuse(status: int, error: str, message: str):
    if wants_json():
        body = {"error": error, "message": message}
        if status == 401:
            body["login"] = url_for("auth.login_page")
        return jsonify(body), status
    if status == 401:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login_page", next=target))
    abort(status, description=message)


def guard():
    """Before every request: anonymous → login page (HTML) or 401 (JSON); wrong role → 403."""
    if not login_required_here():
        forwarded = any(h in request.headers for h in FORWARDING_HEADERS)
        if forwarded or (request.remote_addr and not is_loopback(request.remote_addr)):
            return _refuse(403, "login_off", "this workbench runs without logins, for the "
                           "person at this computer only; to share it, start it with "
                           "`workbench serve --require-login` (see docs/team-server.md)")
        return None
    if request.endpoint is None:  # no such route: let Flask answer 404 / 405
        return None
    level = required_level(request.endpoint, request.method)
    if level == ANYONE:
        return None
    account = current_account()
    if account is None:
        return _refuse(401, "login_required", "you are not logged in, or your session has "
                       "ended: log in again (reload the page)")
    if level is None:
        return _refuse(403, "forbidden", "this route declares no role, so it is refused")
    if _RANK[account.role] < _RANK[level]:
        return _refuse(403, "forbidden", f"your account {account.name!r} is a {account.role}: "
                       f"{_WHAT_NEEDS[level]}")
    return None


# --- login and logout ---------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never redirect a login to another site (browsers drop
    tabs and newlines from a URL: "/<tab>/evil.example" would become "//evil.example")."""
    if target and target.startswith("/") and target.isprintable() and "\\" not in target \
            and not target.startswith("//"):
        return target
    return url_for("documents.index")


def _credentials() -> tuple[str, str]:
    data = request.get_json(silent=True) if request.is_json else request.form
    if not hasattr(data, "get"):  # a JSON list or string
        data = {}
    name, password = data.get("name"), data.get("password")
    return (name if isinstance(name, str) else "",
            password if isinstance(password, str) else "")


def _sign_in(name: str, password: str) -> Account:
    account = user_store.verify(get_db(), name, password)
    session.clear()
    session.permanent = True
    session["account"] = account.id
    session["epoch"] = account.session_epoch
    session["since"] = int(time.time())
    g.account = account
    return account


@bp.get("/login")
def login_page():
    target = _safe_next(request.args.get("next"))
    if not login_required_here() or current_account() is not None:
        return redirect(target)
    return render_template("login.html", error=None, name="", next=target)


@bp.post("/login")
def login():
    if not login_required_here():
        return redirect(url_for("documents.index"))
    name, password = _credentials()
    target = _safe_next(request.form.get("next"))
    try:
        _sign_in(name, password)
    except user_store.AccountLocked as error:
        return render_template("login.html", error=str(error), name=name, next=target), \
            status_of(error), {"Retry-After": str(error.seconds_left())}
    except user_store.AccountError as error:
        return render_template("login.html", error=str(error), name=name, next=target), \
            status_of(error)
    return redirect(target)


@bp.post("/login.json")
def login_json():
    if not login_required_here():
        return jsonify({"error": "login_off",
                        "message": "this workbench runs without logins"}), 400
    name, password = _credentials()
    try:
        account = _sign_in(name, password)
    except user_store.AccountLocked as error:
        return jsonify({"error": "locked", "message": str(error)}), status_of(error), \
            {"Retry-After": str(error.seconds_left())}
    except user_store.AccountError as error:
        return jsonify({"error": "login_refused", "message": str(error)}), status_of(error)
    return jsonify({"account": account.as_json()})


@bp.post("/logout")
def logout():
    """End the session here and every copy of its cookie (all the account's sessions)."""
    account = current_account()
    if account is not None:
        user_store.end_sessions(get_db(), account.id)
    session.clear()
    g.account = None
    if wants_json():
        return jsonify({"ok": True})
    target = "auth.login_page" if login_required_here() else "documents.index"
    return redirect(url_for(target))


@bp.get("/me.json")
def me_json():
    account = current_account()
    return jsonify({"login_required": login_required_here(),
                    "account": account.as_json() if account else None})


# --- wiring -------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Sessions, the login routes and the per-request guard."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.config["DATABASE"])
    app.config["SESSION_COOKIE_NAME"] = SESSION_COOKIE
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if app.config.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    hours = float(app.config.get("SESSION_HOURS", DEFAULT_SESSION_HOURS))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=hours)
    app.session_interface = SessionInterface()
    app.register_blueprint(bp)
    app.before_request(guard)

    @app.context_processor
    def account_in_templates():
        return {"login_enabled": login_required_here(), "current_account": current_account}
