"""The request guard: cross-site writes, DNS rebinding, CSRF tokens, JSON-only API bodies,
security headers (issue 12, items 1 and Low)."""

from __future__ import annotations

import io
import re

import pytest

from tests.conftest import csrf_token
from workbench import store
from workbench.store import glossary as glossary_store
from workbench.web import create_app

OTHER_SITE = "http://evil.example"


def snapshot(db_path) -> list[str]:
    database = store.open_db(db_path)
    try:
        return list(database.conn.iterdump())
    finally:
        database.close()


def first_link(db, document_id: int) -> int:
    return store.pairs(db, document_id)[0]["id"]


# --- cross-site writes ------------------------------------------------------------------


def test_a_text_plain_post_is_refused_and_changes_nothing(client, db, db_path, sample_document):
    before = snapshot(db_path)
    answer = client.post(f"/documents/sample/links/{first_link(db, sample_document)}/merge",
                         data='{"direction": "down"}', content_type="text/plain",
                         headers={"Origin": OTHER_SITE})
    assert answer.status_code in (403, 415)
    assert answer.is_json
    # the same body without an Origin (a script that forgot the content type): still refused
    answer = client.post(f"/documents/sample/links/{first_link(db, sample_document)}/merge",
                         data='{"direction": "down"}', content_type="text/plain")
    assert answer.status_code == 415
    assert snapshot(db_path) == before


def test_a_body_less_post_is_refused(client, db, db_path, sample_document):
    before = snapshot(db_path)
    link = first_link(db, sample_document)
    assert client.post(f"/documents/sample/links/{link}/confirm-through").status_code == 415
    assert client.post("/documents/sample/undo").status_code == 415
    answer = client.post(f"/documents/sample/links/{link}/confirm-through",
                         content_type="application/json")
    assert answer.status_code == 400 and "object" in answer.get_json()["message"]
    assert snapshot(db_path) == before


@pytest.mark.parametrize("body", ["[]", "null", "3", '"x"', "{", '{"version": NaN}'])
def test_json_api_bodies_must_be_json_objects(client, db, db_path, sample_document, body):
    before = snapshot(db_path)
    answer = client.post(f"/documents/sample/links/{first_link(db, sample_document)}/status",
                         data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.is_json
    assert snapshot(db_path) == before


def test_a_cross_origin_json_post_is_refused(client, db, db_path, sample_document):
    before = snapshot(db_path)
    link = first_link(db, sample_document)
    for headers in ({"Origin": OTHER_SITE}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site", "Origin": "http://other.localhost"}):
        answer = client.post(f"/documents/sample/links/{link}/status", json={}, headers=headers)
        assert answer.status_code == 403, headers
        assert answer.is_json
    assert snapshot(db_path) == before


def test_a_same_origin_browser_json_post_is_accepted(client, db, sample_document):
    answer = client.post(
        f"/documents/sample/links/{first_link(db, sample_document)}/status", json={},
        headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin",
                 "X-CSRF-Token": csrf_token(client)})
    assert answer.status_code == 200


def test_a_script_posts_json_without_a_token(client, db, sample_document):
    """No Origin, no Sec-Fetch-Site and application/json: no browser can forge that."""
    answer = client.post(f"/documents/sample/links/{first_link(db, sample_document)}/status",
                         json={"status": "confirmed"})
    assert answer.status_code == 200


def test_a_wrong_token_header_is_refused_even_on_json(client, db, sample_document):
    csrf_token(client)
    answer = client.post(f"/documents/sample/links/{first_link(db, sample_document)}/status",
                         json={}, headers={"X-CSRF-Token": "forged"})
    assert answer.status_code == 403


def test_an_auto_submitted_glossary_form_is_refused(client, db, db_path):
    entry = glossary_store.add(db, "roi", "king", "", source_lang="fr", target_lang="en")
    before = snapshot(db_path)
    form = {"source_term": "x", "target_term": "y"}
    for headers in ({"Origin": OTHER_SITE, "Sec-Fetch-Site": "cross-site"}, {}):
        assert client.post("/glossary", data=form, headers=headers).status_code == 403
        assert client.post(f"/glossary/{entry['id']}/delete", data={},
                           headers=headers).status_code == 403
        assert client.post(f"/glossary/{entry['id']}", data=form,
                           headers=headers).status_code == 403
    # a token from another session does not help
    other = create_app({"TESTING": True, "DATABASE": str(db_path)}).test_client()
    stolen = csrf_token(other)
    form_with_token = {**form, "csrf_token": stolen}
    assert client.post("/glossary", data=form_with_token).status_code == 403
    assert snapshot(db_path) == before


def test_the_glossary_form_with_its_token_works(client, db):
    page = client.get("/glossary").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert f'<meta name="csrf-token" content="{token}">' in page
    # the form posts to the HTML route: /glossary.json takes JSON only
    assert 'class="glossary-new" method="post" action="/glossary"' in page
    answer = client.post("/glossary", data={"source_term": "roi", "target_term": "king",
                                            "csrf_token": token},
                         headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 302
    assert [e["source_term"] for e in glossary_store.entries(db)] == ["roi"]


def test_every_post_form_carries_the_token(client, sample_document, tmp_path):
    from tests.conftest import PROJECT_ROOT

    for template in (PROJECT_ROOT / "templates").glob("*.html"):
        text = template.read_text()
        for form in re.findall(r"<form[^>]*>.*?</form>", text, re.S | re.I):
            if re.search(r"method=[\"']?post", form, re.I):
                assert "csrf_input()" in form, (template.name, form[:80])


def test_a_multipart_import_from_another_origin_is_refused(client, db, db_path,
                                                           sample_document):
    before = snapshot(db_path)
    data = {"french": (io.BytesIO(b"Le roi."), "sample.txt"),
            "english": (io.BytesIO(b"The king."), "sample.en.txt"),
            "name": "sample", "replace": "on"}
    answer = client.post("/import.json", data=data, content_type="multipart/form-data",
                         headers={"Origin": OTHER_SITE})
    assert answer.status_code == 403 and answer.is_json
    data = {"french": (io.BytesIO(b"Le roi."), "sample.txt"),
            "english": (io.BytesIO(b"The king."), "sample.en.txt"),
            "name": "sample", "replace": "on"}
    answer = client.post("/import.json", data=data, content_type="multipart/form-data")
    assert answer.status_code == 403  # no token: a browser form cannot carry one
    assert snapshot(db_path) == before


def test_a_json_endpoint_refuses_a_form_even_with_its_token(client, db, sample_document):
    token = csrf_token(client)
    answer = client.post("/glossary.json", data={"source_term": "a", "target_term": "b",
                                                 "csrf_token": token})
    assert answer.status_code == 415 and answer.is_json


# --- Host allowlist -------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:5000", "[::1]:8080", "LOCALHOST:1"])
def test_loopback_hosts_are_allowed(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "0.0.0.0"])
def test_unknown_hosts_are_refused(client, host):
    answer = client.get("/documents.json", headers={"Host": host})
    assert answer.status_code == 400 and "Host" in answer.get_json()["message"]
    assert client.get("/", headers={"Host": host}).status_code == 400


def test_more_hosts_come_from_the_config(db_path):
    app = create_app({"TESTING": True, "DATABASE": str(db_path),
                      "ALLOWED_HOSTS": ["Workbench.Lan"]})
    client = app.test_client()
    assert client.get("/", headers={"Host": "workbench.lan:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def no_admin_needed(monkeypatch) -> None:
    """On a team server `serve` first wants an admin account: not what these tests check."""
    try:
        from workbench import user_store
    except ImportError:
        return
    monkeypatch.setattr(user_store, "admin_count", lambda db: 1)


def test_serve_takes_allow_host(runner, monkeypatch):
    from workbench import cli

    no_admin_needed(monkeypatch)
    seen = {}

    def fake_serve(app, **kwargs):
        seen["hosts"] = app.config["ALLOWED_HOSTS"]

    monkeypatch.setattr("waitress.serve", fake_serve)
    result = runner.invoke(cli.cli, ["serve", "--host", "0.0.0.0", "--allow-host", "box.lan",
                                     "--allow-host", "10.0.0.5"])
    assert result.exit_code == 0, result.output
    assert {"box.lan", "10.0.0.5"} <= set(seen["hosts"])
    assert "0.0.0.0" not in seen["hosts"]


# --- headers ---------------------------------------------------------------------------


def test_security_headers_on_every_answer(client, sample_document):
    for path in ("/", "/documents/sample", "/documents.json", "/glossary", "/nope"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split(
            "script-src")[1].split(";")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script():
    from tests.conftest import PROJECT_ROOT

    for template in (PROJECT_ROOT / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S):
            assert "src=" in attributes or 'type="application/json"' in attributes, (
                template.name, body[:60])


def test_the_csv_content_type_names_its_charset_once(client, sample_document):
    answer = client.get("/documents/sample/export.csv")
    if answer.status_code == 404:
        pytest.skip("no csv format")
    assert answer.headers["Content-Type"].count("charset") == 1


def test_serve_on_all_interfaces_says_which_names_it_answers(runner, monkeypatch):
    from workbench import cli

    no_admin_needed(monkeypatch)
    monkeypatch.setattr("waitress.serve", lambda app, **kwargs: None)
    result = runner.invoke(cli.cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 0 and "--allow-host" in result.output
    result = runner.invoke(cli.cli, ["serve"])
    assert "--allow-host" not in result.output


@pytest.mark.parametrize("token", ["é", "\u2603", "x" * 10_000])
def test_an_odd_token_is_a_403_not_a_500(client, token):
    csrf_token(client)
    answer = client.post("/glossary", data={"source_term": "a", "target_term": "b",
                                            "csrf_token": token})
    assert answer.status_code == 403
    answer = client.post("/glossary", data={"source_term": "a", "target_term": "b"},
                         headers={"X-CSRF-Token": token.encode("utf-8").decode("latin-1")})
    assert answer.status_code == 403
