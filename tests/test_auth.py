"""The team server: accounts, login, sessions and roles (workbench.web.auth, user_store)."""

from __future__ import annotations

import io
import json
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import csrf_token
from workbench import store, user_store
from workbench.web import auth, create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(db):
    user_store.add(db, "Alice", PASSWORD, "admin")
    user_store.add(db, "Rémi", PASSWORD, "reviewer")
    return db


@pytest.fixture
def team_app(db_path, accounts, fake_embedder):
    return create_app({"TESTING": True, "DATABASE": str(db_path), "REQUIRE_LOGIN": True,
                       "EMBEDDER": fake_embedder})


@pytest.fixture
def team(team_app):
    return team_app.test_client()


def login(client, name, password=PASSWORD):
    return client.post("/login.json", json={"name": name, "password": password})


def version_of(db, document_id):
    return db["documents"].get(document_id)["version"]


# --- login off: one person on loopback -------------------------------------------------


def test_loopback_server_needs_no_login(client, sample_document, db):
    assert client.get("/").status_code == 200
    answer = client.post("/documents/sample/links/1/status", json={"status": "confirmed"},
                         headers={"X-Workbench-User": "Maud"})
    assert answer.status_code == 200
    assert db.execute("select user from history").fetchone()[0] == "Maud"
    assert client.get("/me.json").get_json() == {"login_required": False, "account": None}


def test_login_free_server_refuses_other_computers(client):
    """If a login-free app is ever reached from another address, it refuses it."""
    answer = client.get("/documents.json", environ_base={"REMOTE_ADDR": "192.168.1.20"})
    assert answer.status_code == 403
    assert answer.get_json()["error"] == "login_off"


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_login_free_server_refuses_requests_through_a_reverse_proxy(client, header):
    """A proxy on this computer would make a login-free server public: refused."""
    answer = client.get("/", headers={header: "203.0.113.9"})
    assert answer.status_code == 403
    assert "--require-login" in answer.get_data(as_text=True)


def test_login_page_of_a_signed_in_account_goes_on(team):
    login(team, "Alice")
    answer = team.get("/login?next=/glossary")
    assert answer.status_code == 302 and answer.headers["Location"] == "/glossary"


@pytest.mark.parametrize("host,loopback", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("127.0.0.2", True), ("::ffff:127.0.0.1", True), ("::ffff:10.0.0.1", False),
    ("0.0.0.0", False), ("192.168.1.5", False), ("::", False),
    ("team.example.org", False),
])
def test_which_hosts_are_loopback(host, loopback):
    assert auth.is_loopback(host) is loopback


# --- login on ---------------------------------------------------------------------------


def test_anonymous_html_is_sent_to_the_login_page(team, sample_document):
    answer = team.get("/documents/sample")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login?next=/documents/sample")
    page = team.get("/login")
    assert page.status_code == 200
    assert b'name="password"' in page.data and b'type="password"' in page.data


@pytest.mark.parametrize("method,path", [
    ("get", "/documents.json"), ("get", "/documents/sample/state.json"),
    ("post", "/documents/sample/links/1/status"), ("post", "/glossary.json"),
    ("post", "/import.json"), ("get", "/export.tmx"),
])
def test_anonymous_json_gets_401_and_changes_nothing(team, sample_document, db, method, path):
    before = version_of(db, sample_document)
    if path == "/import.json":  # an upload, as the import page sends it
        answer = team.post(path, data={"csrf_token": csrf_token(team), "name": "sample",
                                       "replace": "on"},
                           content_type="multipart/form-data",
                           headers={"Accept": "application/json"})
    else:
        body = ({"source_term": "roi", "target_term": "king"} if path == "/glossary.json"
                else {"status": "confirmed", "version": before})
        answer = getattr(team, method)(path, json=body, headers={"Accept": "application/json"})
    assert answer.status_code == 401
    assert answer.get_json()["error"] == "login_required"
    assert version_of(db, sample_document) == before
    assert db.execute("select count(*) from history").fetchone()[0] == 0


def test_login_and_me(team):
    assert team.get("/me.json").get_json() == {"login_required": True, "account": None}
    answer = login(team, "alice")  # names ignore case
    assert answer.status_code == 200
    assert answer.get_json() == {"account": {"name": "Alice", "role": "admin"}}
    assert team.get("/me.json").get_json()["account"] == {"name": "Alice", "role": "admin"}
    assert team.get("/documents.json").status_code == 200


def test_wrong_password_and_unknown_name_get_the_same_answer(team):
    wrong = login(team, "Alice", "not the password")
    unknown = login(team, "Nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert team.get("/me.json").get_json()["account"] is None


def test_html_login_form_redirects_to_next_page_only_on_this_server(team, sample_document):
    answer = team.post("/login", data={"name": "Rémi", "password": PASSWORD,
                                       "next": "/documents/sample",
                                       "csrf_token": csrf_token(team)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/documents/sample"
    page = team.get("/documents/sample")
    assert page.status_code == 200
    assert 'data-account="Rémi"' in page.get_data(as_text=True)
    assert 'id="user-name"' not in page.get_data(as_text=True)  # no free-text name box
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example",
                 "/\t/evil.example", "/\n/evil.example"):
        team.post("/logout", data={"csrf_token": csrf_token(team)})
        answer = team.post("/login", data={"name": "Rémi", "password": PASSWORD, "next": evil,
                                           "csrf_token": csrf_token(team)})
        assert answer.headers["Location"] == "/"


def test_html_login_failure_shows_the_form_again(team):
    answer = team.post("/login", data={"name": "Rémi", "password": "wrong password",
                                       "csrf_token": csrf_token(team)})
    assert answer.status_code == 401
    text = answer.get_data(as_text=True)
    assert "wrong account name or password" in text and 'value="Rémi"' in text


def test_session_cookie_is_httponly_samesite_and_expires(team):
    answer = login(team, "Alice")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{auth.SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would never return


def test_session_cookie_is_secure_over_https_or_when_configured(db_path, accounts):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "REQUIRE_LOGIN": True})
    over_https = login(app.test_client(), "Alice").headers  # plain http
    assert "Secure" not in over_https["Set-Cookie"]
    public = create_app({"TESTING": True, "DATABASE": str(db_path), "REQUIRE_LOGIN": True,
                         "ALLOWED_HOSTS": ["team.example"]})
    https = public.test_client().post("/login.json",
                                      json={"name": "Alice", "password": PASSWORD},
                                      base_url="https://team.example/")
    assert "Secure" in https.headers["Set-Cookie"]
    forced = create_app({"TESTING": True, "DATABASE": str(db_path), "REQUIRE_LOGIN": True,
                         "SESSION_COOKIE_SECURE": True})
    assert "Secure" in login(forced.test_client(), "Alice").headers["Set-Cookie"]


def test_logout_ends_the_session_and_every_copy_of_its_cookie(team_app):
    browser = team_app.test_client()
    login(browser, "Rémi")
    stolen = team_app.test_client()
    stolen.set_cookie(auth.SESSION_COOKIE, browser.get_cookie(auth.SESSION_COOKIE).value)
    assert stolen.get("/documents.json").status_code == 200
    assert browser.post("/logout", json={}).get_json() == {"ok": True}
    assert browser.get("/documents.json").status_code == 401
    assert stolen.get("/documents.json").status_code == 401  # a copy of the cookie died too


def test_html_logout_goes_to_the_login_page(team):
    login(team, "Rémi")
    answer = team.post("/logout", data={"csrf_token": csrf_token(team)})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert team.get("/documents.json").status_code == 401


def test_session_expires_after_its_lifetime(db_path, accounts, monkeypatch):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "REQUIRE_LOGIN": True,
                      "SESSION_HOURS": 1})
    client = app.test_client()
    login(client, "Alice")
    value = client.get_cookie(auth.SESSION_COOKIE).value
    later = app.test_client()
    later.set_cookie(auth.SESSION_COOKIE, value)
    assert later.get("/documents.json").status_code == 200
    import time

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3601)  # an hour and a second on
    assert later.get("/documents.json").status_code == 401


def test_session_lifetime_counts_from_the_login_not_the_last_request(
        db_path, accounts, monkeypatch):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "REQUIRE_LOGIN": True,
                      "SESSION_HOURS": 1})
    client = app.test_client()
    login(client, "Alice")
    import time

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 50 * 60)
    assert client.get("/documents.json").status_code == 200  # the cookie is sent anew
    monkeypatch.setattr(time, "time", lambda: real_time() + 61 * 60)
    assert client.get("/documents.json").status_code == 401


def test_new_password_or_removal_ends_sessions(team, db):
    login(team, "Rémi")
    user_store.set_password(db, "Rémi", "a brand new password")
    assert team.get("/documents.json").status_code == 401
    assert login(team, "Rémi", "a brand new password").status_code == 200
    user_store.remove(db, "Rémi")
    assert team.get("/documents.json").status_code == 401


def test_a_forged_session_cookie_is_refused(team_app, db_path):
    from flask.sessions import SecureCookieSessionInterface

    forger = create_app({"TESTING": True, "DATABASE": ":memory:", "SECRET_KEY": "guessed"})
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    client = team_app.test_client()
    client.set_cookie(auth.SESSION_COOKIE, serializer.dumps({"account": 1, "epoch": 0}))
    assert client.get("/documents.json").status_code == 401


# --- throttling --------------------------------------------------------------------------


def test_account_locks_after_repeated_wrong_passwords(team, db):
    for _ in range(user_store.LOCK_AFTER_FAILURES):
        assert login(team, "Alice", "guess guess").status_code == 401
    locked = login(team, "Alice")  # even the right password, while locked
    assert locked.status_code == 429
    assert locked.get_json()["error"] == "locked"
    assert int(locked.headers["Retry-After"]) > 0
    assert login(team, "Rémi").status_code == 200  # other accounts unaffected


def test_lock_lifts_after_a_while_and_grows_with_more_failures(accounts):
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for _ in range(user_store.LOCK_AFTER_FAILURES):
        with pytest.raises(user_store.LoginRefused):
            user_store.verify(accounts, "Alice", "guess guess", at=start)
    with pytest.raises(user_store.AccountLocked):
        user_store.verify(accounts, "Alice", PASSWORD, at=start + timedelta(minutes=4))
    # after the lock: one more wrong guess locks it again, for longer
    with pytest.raises(user_store.LoginRefused):
        user_store.verify(accounts, "Alice", "guess", at=start + timedelta(minutes=6))
    with pytest.raises(user_store.AccountLocked):
        user_store.verify(accounts, "Alice", PASSWORD, at=start + timedelta(minutes=15))
    account = user_store.verify(accounts, "Alice", PASSWORD, at=start + timedelta(minutes=17))
    assert account.name == "Alice"
    assert accounts.execute("select failed_logins, locked_until from users where name = 'Alice'"
                            ).fetchone() == (0, None)


def test_new_password_unlocks(accounts):
    for _ in range(user_store.LOCK_AFTER_FAILURES):
        with pytest.raises(user_store.LoginRefused):
            user_store.verify(accounts, "Rémi", "guess guess")
    user_store.set_password(accounts, "Rémi", "another good one")
    assert user_store.verify(accounts, "Rémi", "another good one").name == "Rémi"


# --- roles ---------------------------------------------------------------------------------


def test_reviewer_cannot_import_replace_or_resplit(team, db, sample_document):
    login(team, "Rémi")
    upload = {"french": (io.BytesIO(b"Le roi est mort."), "a.txt"),
              "english": (io.BytesIO(b"The king is dead."), "a.txt"),
              "name": "sample", "replace": "on", "csrf_token": csrf_token(team)}
    answer = team.post("/import.json", data=upload, content_type="multipart/form-data")
    assert answer.status_code == 403
    assert "admin" in answer.get_json()["message"]
    for path in ("/compilations/x.json", "/glossary/import"):
        answer = team.post(path, data={"csrf_token": csrf_token(team)},
                           headers={"Accept": "application/json"})
        assert answer.status_code == 403
        assert "admin" in answer.get_json()["message"]
    page = team.get("/import")
    assert page.status_code == 403
    assert len(store.links(db, sample_document)) == 3  # nothing replaced


def test_reviewer_edits_alignments_and_glossary(team, db, sample_document):
    login(team, "Rémi")
    answer = team.post("/documents/sample/links/1/status", json={"status": "confirmed"})
    assert answer.status_code == 200
    answer = team.post("/glossary.json", json={"source_term": "roi", "target_term": "king"})
    assert answer.status_code == 201
    home = team.get("/").get_data(as_text=True)
    assert ">Import<" not in home  # the reviewer's top bar has no Import link


def test_admin_imports(team, db):
    login(team, "Alice")
    assert ">Import<" in team.get("/").get_data(as_text=True)
    upload = {"french": (io.BytesIO(b"Le roi est mort. Vive le roi."), "a.txt"),
              "english": (io.BytesIO(b"The king is dead. Long live the king."), "a.txt"),
              "name": "new", "no_language_check": "on", "csrf_token": csrf_token(team)}
    answer = team.post("/import.json?wait=1", data=upload, content_type="multipart/form-data")
    assert answer.status_code == 200, answer.get_json()
    assert store.get_document(db, "new") is not None


def test_an_import_job_records_the_account_that_started_it(team, db):
    login(team, "Alice")
    upload = {"french": (io.BytesIO(b"Le roi est mort. Vive le roi."), "a.txt"),
              "english": (io.BytesIO(b"The king is dead. Long live the king."), "a.txt"),
              "name": "new", "no_language_check": "on", "user": "Mallory",
              "csrf_token": csrf_token(team)}
    answer = team.post("/import.json?wait=1", data=upload, content_type="multipart/form-data",
                       headers={"X-Workbench-User": "Mallory"})
    job = answer.get_json()["job"]
    assert job["started_by"] == "Alice"  # the account, whatever the page sends
    assert team.get(job["url"]).get_json()["started_by"] == "Alice"
    assert "Started by Alice" in team.get(job["page"]).get_data(as_text=True)
    assert team.get("/import/jobs.json").get_json()["jobs"][0]["started_by"] == "Alice"


def test_reviewers_see_no_import_jobs(team, db):
    login(team, "Alice")
    upload = {"french": (io.BytesIO(b"Le roi est mort. Vive le roi."), "a.txt"),
              "english": (io.BytesIO(b"The king is dead. Long live the king."), "a.txt"),
              "name": "new", "no_language_check": "on", "csrf_token": csrf_token(team)}
    job = team.post("/import.json?wait=1", data=upload,
                    content_type="multipart/form-data").get_json()["job"]
    reviewer = team.application.test_client()
    login(reviewer, "Rémi")
    for path in ("/import/jobs.json", job["url"], job["page"]):
        assert reviewer.get(path).status_code == 403, path


def test_the_favicon_needs_no_login(team):
    answer = team.get("/favicon.ico")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"


def test_role_change_takes_effect_on_the_next_request(team, db):
    login(team, "Rémi")
    assert team.get("/import").status_code == 403
    user_store.set_role(db, "Rémi", "admin")
    assert team.get("/import").status_code == 200


def test_every_write_route_declares_a_role(team_app):
    """A route added later must say who may use it; until then the guard refuses it."""
    assert auth.undeclared_write_routes(team_app) == []
    assert set(auth.ENDPOINT_ROLES) <= {r.endpoint for r in team_app.url_map.iter_rules()}
    assert set(auth.ENDPOINT_ROLES.values()) <= set(auth.LEVELS)


def test_an_undeclared_write_route_is_refused(db_path, accounts):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "REQUIRE_LOGIN": True})
    app.add_url_rule("/wipe", "wipe", lambda: "wiped", methods=["POST"])
    assert auth.undeclared_write_routes(app) == ["wipe /wipe"]
    client = app.test_client()
    login(client, "Alice")
    # a form post (a JSON body to a route declaring none is already refused, 415, by the
    # request guard): the role guard refuses it
    answer = client.post("/wipe", data={"csrf_token": csrf_token(client)},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 403 and answer.get_json()["error"] == "forbidden"
    assert client.post("/wipe", json={}).status_code == 415


# --- what is recorded ----------------------------------------------------------------------


def test_recorded_name_is_the_account_whatever_the_client_sends(team, db, sample_document):
    login(team, "Rémi")
    answer = team.post("/documents/sample/links/1/status",
                       json={"status": "confirmed", "user": "Mallory"},
                       headers={"X-Workbench-User": "Mallory"})
    assert answer.status_code == 200
    assert db.execute("select user from history").fetchone()[0] == "Rémi"
    assert db.execute("select updated_by from links where id = 1").fetchone()[0] == "Rémi"
    history = team.get("/documents/sample/history.json").get_json()["history"]
    assert history[0]["user"] == "Rémi"


# --- storage ---------------------------------------------------------------------------------


def test_passwords_are_hashed_never_stored(accounts, db_path):
    hashes = [row[0] for row in accounts.execute("select password_hash from users")]
    assert all(h.startswith("scrypt:") for h in hashes)
    assert len(set(hashes)) == 2  # salted: the same password hashes differently
    accounts.conn.commit()
    for path in db_path.parent.glob(db_path.name + "*"):
        assert PASSWORD.encode() not in path.read_bytes()


@pytest.mark.production_password_cost
def test_passwords_are_hashed_at_production_cost(db):
    """The tests hash at a lower cost (conftest); the workbench itself at werkzeug's scrypt."""
    user_store.add(db, "Zoé", PASSWORD, "reviewer")
    (stored,) = db.execute("select password_hash from users").fetchone()
    assert stored.startswith("scrypt:32768:8:1$")
    assert user_store.verify(db, "Zoé", PASSWORD) is not None


def test_secret_key_is_generated_once_and_private(db_path, accounts):
    first = create_app({"DATABASE": str(db_path)}).config["SECRET_KEY"]
    second = create_app({"DATABASE": str(db_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    key_file = auth.secret_key_path(str(db_path))
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    other = create_app({"DATABASE": str(db_path.with_name("other.db"))}).config["SECRET_KEY"]
    assert other != first


def test_accounts_validate_names_roles_and_passwords(db):
    with pytest.raises(user_store.AccountError, match="at least 8"):
        user_store.add(db, "Bea", "short", "reviewer")
    with pytest.raises(user_store.AccountError, match="role"):
        user_store.add(db, "Bea", PASSWORD, "owner")
    with pytest.raises(user_store.AccountError, match="account name"):
        user_store.add(db, "<script>", PASSWORD, "reviewer")
    user_store.add(db, "Bea", PASSWORD, "admin")
    with pytest.raises(user_store.AccountExists):
        user_store.add(db, "BEA", PASSWORD, "reviewer")
    with pytest.raises(user_store.AccountError, match="only admin"):
        user_store.remove(db, "Bea")
    with pytest.raises(user_store.AccountError, match="only admin"):
        user_store.set_role(db, "Bea", "reviewer")


# --- the CLI --------------------------------------------------------------------------------


def test_user_commands(runner, db_path):
    from workbench.cli import cli

    added = runner.invoke(cli, ["user", "add", "Alice", "--role", "admin"],
                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output  # hidden input
    mismatch = runner.invoke(cli, ["user", "add", "Bob"],
                             input="first password\nsecond password\nshort\nshort\n"
                             f"{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output and "at least 8" in mismatch.output
    listed = json.loads(runner.invoke(cli, ["user", "list", "--json"]).output)
    assert [(u["name"], u["role"]) for u in listed["users"]] == [
        ("Alice", "admin"), ("Bob", "reviewer")]
    assert "password" not in json.dumps(listed)

    assert runner.invoke(cli, ["user", "role", "Bob", "admin"]).exit_code == 0
    changed = runner.invoke(cli, ["user", "password", "bob"],
                            input="new password!\nnew password!\n")
    assert changed.exit_code == 0, changed.output
    db = store.open_db(db_path)
    assert user_store.verify(db, "Bob", "new password!").role == "admin"

    assert runner.invoke(cli, ["user", "remove", "Bob"]).exit_code == 0
    gone = runner.invoke(cli, ["user", "remove", "Bob"])
    assert gone.exit_code == 1 and "no account named 'Bob'" in gone.output
    last = runner.invoke(cli, ["user", "remove", "Alice"])
    assert last.exit_code == 1 and "only admin" in last.output
    dup = runner.invoke(cli, ["user", "add", "alice"])
    assert dup.exit_code == 1 and "already exists" in dup.output
    assert runner.invoke(cli, ["user", "role", "Alice", "owner"]).exit_code == 2


def test_serve_off_loopback_refuses_to_start_without_an_admin(runner, monkeypatch):
    from workbench.cli import cli

    started = []
    monkeypatch.setattr("waitress.serve", lambda app, **kw: started.append(app))
    refused = runner.invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert refused.exit_code == 1 and "workbench user add" in refused.output
    refused = runner.invoke(cli, ["serve", "--require-login"])
    assert refused.exit_code == 1
    assert runner.invoke(cli, ["user", "add", "Alice", "--role", "admin"],
                         input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    served = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--secure-cookies",
                                 "--session-hours", "8"])
    assert served.exit_code == 0, served.output
    assert started[-1].config["REQUIRE_LOGIN"] is True
    assert started[-1].config["SESSION_COOKIE_SECURE"] is True
    assert started[-1].config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8)
    assert runner.invoke(cli, ["serve"]).exit_code == 0
    assert started[-1].config["REQUIRE_LOGIN"] is False
