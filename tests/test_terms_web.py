"""The terminology pages and their JSON twins."""

import io

import pytest

from tests.conftest import csrf_token
from tests.termdata import terms_app
from workbench.web import create_app


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
    assert app.extensions["terms_embedder"] is fake_embedder


def test_embeddings_can_be_switched_off(app, db_path):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "TERMS_EMBEDDER": False})
    data = app.test_client().get("/lookup.json?q=accord").get_json()
    assert [h["translation"]["text"] for h in data["hits"]] == ["agreement", "agreements"]
    assert "terms_embedder" not in app.extensions
