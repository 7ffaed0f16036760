"""The terminology pages and their JSON twins."""

import io

import pytest

from tests.conftest import csrf_token
from tests.termdata import terms_app
from workbench.web import create_app
from workbench.web.services import services


@pytest.fixture
def app(db_path, fake_embedder):
    return terms_app(db_path, fake_embedder)


def test_lookup_json(client):
    data = client.get("/lookup.json?q=dictature+du+proletariat").get_json()
    assert (data["lang"], data["counterpart_lang"], data["total"]) == ("fr", "en", 3)
    assert data["variants"][0] == {"key": "dictatorship of the proletariat",
                                   "text": "dictatorship of the proletariat", "count": 2}
    hit = data["hits"][0]
    start, end = hit["term_spans"][0]
    assert hit["text"][start:end] == "dictature du prolétariat"
    start, end = hit["translation"]["span"]
    assert hit["counterpart"][start:end] == "dictatorship of the proletariat"
    assert hit["url"].startswith("/documents/histoire?link=")


def test_lookup_json_filters_and_variant(client):
    data = client.get("/lookup.json?q=dictature+du+proletariat&variant=proletarian+dictatorship"
                      ).get_json()
    assert [h["translation"]["text"] for h in data["hits"]] == ["proletarian dictatorship"]
    data = client.get("/lookup.json?q=accord&confirmed=1").get_json()
    assert data["total"] == 0 and data["filters"]["confirmed_only"] is True


def test_lookup_json_errors(client):
    assert client.get("/lookup.json").status_code == 400
    response = client.get("/lookup.json?q=accord&lang=zz")
    assert response.status_code == 400 and "zz" in response.get_json()["error"]
    assert client.get("/lookup.json?q=%2A%2A").status_code == 400


def test_lookup_page_highlights_both_sides(client):
    html = client.get("/lookup?q=accords").get_data(as_text=True)
    assert "<mark>accords</mark>" in html and "<mark>agreements</mark>" in html
    assert 'href="/documents/histoire?link=' in html
    assert "agreement</a>" in html  # the variant list
    assert 'name="target_term" value="agreement"' in html


def test_lookup_page_without_query_explains(client):
    html = client.get("/lookup").get_data(as_text=True)
    assert "Type a term" in html
    assert 'href="/lookup"' in client.get("/").get_data(as_text=True)  # the nav link


def test_glossary_add_from_a_hit_and_by_form(client):
    response = client.post("/glossary.json", json={"source_term": "accord",
                                                   "target_term": "agreement"})
    assert response.status_code == 201
    response = client.post("/glossary", data={"source_term": "loi", "target_term": "law",
                                              "note": "legal", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    entries = client.get("/glossary.json").get_json()["entries"]
    assert [(e["source_term"], e["target_term"], e["note"]) for e in entries] == [
        ("accord", "agreement", ""), ("loi", "law", "legal")]
    assert client.post("/glossary.json", json={"source_term": "x"}).status_code == 400


def test_glossary_edit_and_delete(client):
    entry = client.post("/glossary.json", json={"source_term": "accord",
                                                "target_term": "agreement"}).get_json()["entry"]
    client.post(f"/glossary/{entry['id']}", data={"source_term": "accord",
                                                  "target_term": "settlement", "note": "n",
                                                  "csrf_token": csrf_token(client)})
    assert client.get("/glossary.json").get_json()["entries"][0]["target_term"] == "settlement"
    assert 'value="settlement"' in client.get("/glossary").get_data(as_text=True)
    client.post(f"/glossary/{entry['id']}/delete", data={"csrf_token": csrf_token(client)})
    assert client.get("/glossary.json").get_json()["entries"] == []
    assert client.post(f"/glossary/{entry['id']}/delete",
                       data={"csrf_token": csrf_token(client)}).status_code == 404


def test_glossary_export_and_import(client):
    client.post("/glossary.json", json={"source_term": "accord", "target_term": "agreement",
                                        "note": "1936"})
    tsv = client.get("/glossary.tsv")
    assert tsv.get_data(as_text=True) == "accord\tagreement\t1936\n"
    tbx = client.get("/glossary.tbx").get_data(as_text=True)
    assert "<term>agreement</term>" in tbx
    response = client.post(
        "/glossary/import",
        data={"file": (io.BytesIO("grève\tstrike\n".encode()), "glossary.txt"),
              "csrf_token": csrf_token(client)},
    )
    assert "Imported+1" in response.headers["Location"] or "Imported%201" in response.headers[
        "Location"]
    assert len(client.get("/glossary.json").get_json()["entries"]) == 2
    bad = client.post("/glossary/import",
                      data={"file": (io.BytesIO(b"only one column\n"), "bad.txt"),
                            "csrf_token": csrf_token(client)})
    assert "Nothing" in bad.headers["Location"]
    assert len(client.get("/glossary.json").get_json()["entries"]) == 2


def test_consistency_page_and_json(client):
    client.post("/glossary.json", json={"source_term": "dictature du prolétariat",
                                        "target_term": "dictatorship of the proletariat"})
    data = client.get("/consistency.json").get_json()
    (entry,) = data["entries"]
    assert (entry["occurrences"], entry["consistent"]) == (3, 2)
    assert entry["to_check"][0]["counterpart"] == (
        "Criticisms of the proletarian dictatorship were many.")
    html = client.get("/consistency").get_data(as_text=True)
    assert "2 / 3 consistent" in html
    assert "rendered here as <q>proletarian dictatorship</q>" in html


def test_lookup_pages_through_many_hits(client):
    data = client.get("/lookup.json?q=la&limit=2").get_json()
    assert len(data["hits"]) == 2 and data["matching"] > 2
    html = client.get("/lookup?q=la&limit=2").get_data(as_text=True)
    assert f"Showing 2 of {data['matching']}." in html
    assert "limit=52" in html


def test_the_configured_embedder_is_created_once_and_used(app, client, fake_embedder):
    client.get("/lookup.json?q=accord")
    client.get("/lookup.json?q=loi")
    assert fake_embedder.calls == 2
    assert services(app).embedder() is fake_embedder


def test_embeddings_can_be_switched_off(app, db_path):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "TERMS_EMBEDDER": False})
    data = app.test_client().get("/lookup.json?q=accord").get_json()
    assert [h["translation"]["text"] for h in data["hits"]] == ["agreement", "agreements"]
    assert not services(app).loaded


# --- issue 13: HTML forms stay on HTML pages; duplicates; TBX; accepted occurrences -----


def test_the_glossary_pages_add_form_posts_to_an_html_page(client):
    """Issue 13: the glossary page's Add button landed on raw JSON (`/glossary.json`)."""
    import re

    html = client.get("/glossary").get_data(as_text=True)
    (action,) = re.findall(r'<form class="glossary-new" method="post" action="([^"]+)"', html)
    response = client.post(action, data={"source_term": "loi", "target_term": "law",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/glossary?message=Added")
    page = client.get(response.headers["Location"])
    assert page.mimetype == "text/html" and "Added: loi → law." in page.get_data(as_text=True)
    # A lookup hit's "+ glossary" form too, without JavaScript.
    lookup = client.get("/lookup?q=accord").get_data(as_text=True)
    assert 'class="add-term" method="post" action="/glossary"' in lookup


def test_adding_an_existing_pair_as_json_is_a_409_with_the_entry(client):
    first = client.post("/glossary.json", json={"source_term": "accord",
                                                "target_term": "agreement", "note": "Matignon"})
    assert first.status_code == 201
    again = client.post("/glossary.json", json={"source_term": "accord",
                                                "target_term": "agreement", "note": "Munich"})
    assert again.status_code == 409
    body = again.get_json()
    assert body["existing"]["note"] == "Matignon" and "already in the glossary" in body["error"]
    merged = client.post("/glossary.json?on_existing=keep-both",
                         json={"source_term": "accord", "target_term": "agreement",
                               "note": "Munich"})
    assert merged.status_code == 200 and merged.get_json()["entry"]["note"] == "Matignon; Munich"
    replaced = client.post("/glossary.json?on_existing=replace",
                           json={"source_term": "accord", "target_term": "agreement",
                                 "note": "Munich"})
    assert replaced.get_json()["entry"]["note"] == "Munich"
    assert client.post("/glossary.json?on_existing=sometimes",
                       json={"source_term": "a", "target_term": "b"}).status_code == 400


def test_adding_an_existing_pair_by_form_asks_on_the_page(client):
    client.post("/glossary", data={"source_term": "accord", "target_term": "agreement",
                                   "note": "Matignon", "csrf_token": csrf_token(client)})
    page = client.post("/glossary", data={"source_term": "accord", "target_term": "agreement",
                                          "note": "Munich", "csrf_token": csrf_token(client)})
    html = page.get_data(as_text=True)
    assert page.status_code == 409 and page.mimetype == "text/html"
    assert "Already in the glossary" in html and "Matignon" in html and "Munich" in html
    assert 'formaction="/glossary?on_existing=keep-both"' in html
    assert 'formaction="/glossary?on_existing=replace"' in html
    assert client.get("/glossary.json").get_json()["entries"][0]["note"] == "Matignon"
    done = client.post("/glossary?on_existing=keep-both",
                       data={"source_term": "accord", "target_term": "agreement",
                             "note": "Munich", "csrf_token": csrf_token(client)})
    assert done.status_code == 302 and "Notes+merged" in done.headers["Location"]
    assert client.get("/glossary.json").get_json()["entries"][0]["note"] == "Matignon; Munich"


def test_the_glossary_page_imports_tbx_and_refuses_big_files(client):
    from tests.test_glossary import TBX_V2
    from workbench.glossary import MAX_IMPORT_BYTES

    response = client.post(
        "/glossary/import", data={"file": (io.BytesIO(TBX_V2.encode()), "client.tbx"),
                                 "csrf_token": csrf_token(client)})
    assert "3+new" in response.headers["Location"]
    assert {e["target_term"] for e in client.get("/glossary.json").get_json()["entries"]} == {
        "treaty", "dictatorship of the proletariat", "proletarian dictatorship"}
    big = client.post("/glossary/import", data={
        "file": (io.BytesIO(b"a\tb\n" * (MAX_IMPORT_BYTES // 4 + 1)), "big.txt"),
        "csrf_token": csrf_token(client)})
    assert "Nothing+imported" in big.headers["Location"] and "5+MB" in big.headers["Location"]
    assert len(client.get("/glossary.json").get_json()["entries"]) == 3
    header = client.post("/glossary/import", data={
        "file": (io.BytesIO("source\ttarget\ngrève\tstrike\n".encode()), "g.txt"),
        "csrf_token": csrf_token(client)})
    assert "Imported+1+entries" in header.headers["Location"]


def test_an_occurrence_is_accepted_from_the_report_and_remembered(client):
    entry = client.post("/glossary.json", json={
        "source_term": "dictature du prolétariat",
        "target_term": "dictatorship of the proletariat"}).get_json()["entry"]
    (link_id,) = [h["link_id"] for h in client.get("/consistency.json").get_json()[
        "entries"][0]["to_check"]]
    html = client.get("/consistency").get_data(as_text=True)
    action = f'/consistency/{entry["id"]}/accept/{link_id}'
    assert f'action="{action}"' in html
    response = client.post(action + "?confirmed=", data={"user": "Ana",
                                                          "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/consistency?message=Accepted")
    assert response.headers["Location"].endswith(f"#entry-{entry['id']}")
    (report,) = client.get("/consistency.json").get_json()["entries"]
    assert report["to_check"] == [] and report["accepted"][0]["accepted_by"] == "Ana"
    html = client.get("/consistency").get_data(as_text=True)
    assert "1 accepted occurrence" in html and "accepted by Ana" in html
    withdrawn = client.post(action + "/delete.json", json={}).get_json()["withdrawn"]
    assert withdrawn["link_id"] == link_id
    assert len(client.get("/consistency.json").get_json()["entries"][0]["to_check"]) == 1
    assert client.post(action + "/delete.json", json={}).status_code == 404
    assert client.post(f"/consistency/{entry['id']}/accept/999999.json", json={}).status_code == 404
    assert client.post(action + ".json", json={}).get_json()["accepted"]["link_id"] == link_id
