"""Every body and query string is checked against its declared schema; errors answer as JSON
on the API and as a page in the browser; no malformed input gives a 500 (issue 12, items 5
and 6)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.test_security import snapshot
from workbench import store


def link_ids(db, document_id: int) -> list[int]:
    return [p["id"] for p in store.pairs(db, document_id)]


def post_raw(client, path: str, body: str):
    return client.post(f"/documents/sample{path}", data=body, content_type="application/json")


@pytest.mark.parametrize("path, body", [
    ("/links/{link}/merge", '{"direction": "dwon"}'),
    ("/links/{link}/merge", '{"direction": null}'),
    ("/links/{link}/merge", '{"direction": "down", "extra": 1}'),
    ("/links/{link}/status", '{"status": "done"}'),
    ("/links/{link}/status", '{"status": null}'),
    ("/links/{link}/status", '{"version": 1.7}'),
    ("/links/{link}/status", '{"version": true}'),
    ("/links/{link}/status", '{"version": "1"}'),
    ("/links/{link}/status", '{"version": 99999999999999999999}'),
    ("/links/{link}/status", '{"version": 1e400}'),
    ("/links/{link}/status", '{"version": -1}'),
    ("/links/{link}/status", '{"user": ["a"]}'),
    ("/links/{link}/shift", '{"side": "left", "direction": "up"}'),
    ("/links/{link}/shift", '{"side": "target"}'),
    ("/links/{link}/insert-empty", '{"side": 1}'),
    ("/sentences/{sentence}/text", '{"text": ["a", "b"]}'),
    ("/sentences/{sentence}/text", '{"text": 5}'),
    ("/sentences/{sentence}/split", '{"offset": true}'),
    ("/sentences/{sentence}/split", '{"offset": 2.5}'),
    ("/sentences/{sentence}/split", '{"offset": Infinity}'),
    ("/sentences/{sentence}/split", '{"offset": 99999999999999999999}'),
    ("/undo", '{"version": [1]}'),
    ("/realign", '{"model": "x"}'),
])
def test_a_body_that_breaks_its_schema_is_400_and_changes_nothing(
        client, db, db_path, sample_document, path, body):
    link = link_ids(db, sample_document)[1]
    sentence = store.sentences(db, sample_document, store.SOURCE)[0]["id"]
    before = snapshot(db_path)
    answer = post_raw(client, path.format(link=link, sentence=sentence), body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    data = answer.get_json()
    assert data["error"] == "invalid" and data["message"]
    assert snapshot(db_path) == before


def test_the_message_names_the_field_and_what_it_must_be(client, db, sample_document):
    link = link_ids(db, sample_document)[1]
    message = post_raw(client, f"/links/{link}/merge", '{"direction": "dwon"}').get_json()[
        "message"]
    assert "direction" in message and "'up'" in message and "'down'" in message
    message = post_raw(client, f"/links/{link}/merge", '{"colour": 1}').get_json()["message"]
    assert "colour is not a known field" in message


def test_valid_bodies_still_work(client, db, sample_document):
    ids = link_ids(db, sample_document)
    assert post_raw(client, f"/links/{ids[0]}/merge", '{}').status_code == 200  # default: down
    assert post_raw(client, "/undo", '{"version": null}').status_code == 200
    assert post_raw(client, f"/links/{ids[1]}/merge", '{"direction": "up"}').status_code == 200


@pytest.mark.parametrize("path", [
    "/documents/sample/links/99999999999999999999/status",
    "/documents/sample/sentences/99999999999999999999/text",
    "/documents/sample/links/-1/status",
])
def test_ids_too_large_for_the_database_are_404_not_500(client, sample_document, path):
    answer = client.post(path, json={"text": "x"})
    assert answer.status_code == 404 and answer.is_json


@pytest.mark.parametrize("body", ['[]', '"x"', '3', 'null',
                                  '{"source_term": 1, "target_term": "b"}',
                                  '{"source_term": ["a"], "target_term": "b"}',
                                  '{"source_term": "a", "target_term": {"b": 1}}',
                                  '{"source_term": "a", "target_term": "b", "note": 3}'])
def test_glossary_json_refuses_non_objects_and_non_strings(client, db_path, body):
    before = snapshot(db_path)
    answer = client.post("/glossary.json", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.is_json
    answer = client.post("/glossary/1", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.is_json
    assert snapshot(db_path) == before


def test_glossary_json_delete_with_json_body(client):
    entry = client.post("/glossary.json", json={"source_term": "a", "target_term": "b",
                                                "note": None}).get_json()["entry"]
    assert client.post(f"/glossary/{entry['id']}/delete", json={}).get_json() == {
        "deleted": entry["id"]}


@pytest.mark.parametrize("query", ["limit=x", "limit=1e400", "limit=0", "limit=NaN",
                                   "limit=99999999999999999999"])
def test_lookup_query_strings_are_checked(client, query):
    answer = client.get(f"/lookup.json?q=roi&{query}")
    assert answer.status_code == 400 and "limit" in answer.get_json()["message"]
    assert client.get(f"/lookup?q=roi&{query}").status_code == 400


@pytest.mark.parametrize("value", ["NaN", "inf", "-inf", "1e400", "2", "-0.5", "x"])
def test_export_min_score_is_a_finite_score(client, sample_document, value):
    answer = client.get(f"/documents/sample/export.tsv?min_score={value}")
    assert answer.status_code == 400 and "min_score" in answer.get_data(as_text=True)


def test_export_min_score_takes_a_decimal_comma(client, sample_document):
    assert client.get("/documents/sample/export.tsv?min_score=0,5").status_code == 200


# --- errors in the client's language ---------------------------------------------------


def test_api_errors_raised_through_abort_are_json(client, sample_document):
    for answer in (client.post("/documents/nope/undo", json={}),
                   client.get("/documents/nope/state.json"),
                   client.get("/documents/nope.json"),
                   client.get("/nothing-here.json"),
                   client.get("/documents/sample/undo"),  # 405
                   client.post("/documents.json", json={})):  # 405
        assert answer.is_json, answer.get_data(as_text=True)[:200]
        data = answer.get_json()
        assert data["status"] == answer.status_code and data["message"]
    assert client.get("/documents/sample/undo").status_code == 405


def test_pages_get_html_error_pages(client):
    answer = client.get("/documents/nope")
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    assert "No document named" in answer.get_data(as_text=True)


def test_a_json_client_gets_json_errors_from_a_page_url(client):
    answer = client.get("/documents/nope", headers={"Accept": "application/json"})
    assert answer.status_code == 404 and answer.is_json


def test_a_wrong_token_on_a_json_delete_is_refused(client):
    csrf_token(client)
    answer = client.post("/glossary/1/delete", json={}, headers={"X-CSRF-Token": "x"})
    assert answer.status_code == 403 and answer.is_json


@pytest.mark.parametrize("term", ["—", "\U0010ab44", "***"])
def test_a_glossary_term_without_a_word_never_breaks_the_report(client, term):
    """Found by the schemathesis run: such an entry made /consistency.json a QueryError 500."""
    answer = client.post("/glossary.json", json={"source_term": term, "target_term": term})
    assert answer.status_code == 201
    assert client.get("/consistency.json").status_code == 200
    assert client.get("/consistency").status_code == 200
