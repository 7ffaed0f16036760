"""One set of services per web app: one embedder (the one `serve --model` names), loaded
once on first use, shared by the editor, the map, the imports and the term lookup."""

import threading

import pytest

from tests.termdata import add_corpus
from workbench import embed, store
from workbench.web import create_app


@pytest.fixture
def loads(monkeypatch, fake_embedder):
    """Every model load the app asks for, answered with the fake model."""
    asked: list[str] = []

    def load(model: str = embed.DEFAULT_MODEL, **options):
        asked.append(model)
        return fake_embedder

    monkeypatch.setattr(embed, "load_embedder", load)
    return asked


def terms_corpus_app(db_path, **config):
    db = store.open_db(db_path)
    add_corpus(db)
    db.close()
    return create_app({"TESTING": True, "DATABASE": str(db_path), **config})


def test_no_model_is_loaded_when_the_app_is_made(db_path, loads):
    terms_corpus_app(db_path, EMBEDDER_MODEL="my-model")
    assert loads == []


def test_the_lookup_and_the_map_use_the_served_model_loaded_once(db_path, loads, fake_embedder):
    app = terms_corpus_app(db_path, EMBEDDER_MODEL="my-model")
    client = app.test_client()
    assert client.get("/lookup.json?q=accord").status_code == 200
    assert client.get("/documents/histoire/map.json").status_code == 200
    assert client.get("/lookup.json?q=loi").status_code == 200
    assert loads == ["my-model"]
    assert fake_embedder.calls > 0  # the lookup picked its translations with it


def test_the_configured_model_serves_the_lookup(db_path, loads, fake_embedder):
    app = terms_corpus_app(db_path, EMBEDDER=fake_embedder)
    app.test_client().get("/lookup.json?q=accord")
    assert fake_embedder.calls == 1 and loads == []


def test_threads_asking_at_once_load_one_model(db_path, monkeypatch, fake_embedder):
    started, release, asked = threading.Event(), threading.Event(), []

    def slow_load(model: str = embed.DEFAULT_MODEL, **options):
        asked.append(model)
        started.set()
        release.wait(5)
        return fake_embedder

    monkeypatch.setattr(embed, "load_embedder", slow_load)
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER_MODEL": "m"})
    from workbench.web.services import services

    got = []
    threads = [threading.Thread(target=lambda: got.append(services(app).embedder()))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert asked == ["m"] and len(got) == 4 and all(model is fake_embedder for model in got)


def test_terms_embedder_only_switches_the_embeddings_off(db_path, fake_embedder):
    with pytest.raises(ValueError, match="EMBEDDER"):
        create_app({"TESTING": True, "DATABASE": str(db_path), "TERMS_EMBEDDER": fake_embedder})


def test_hits_link_to_a_document_whose_name_a_url_must_escape(db_path, fake_embedder):
    """The web builds the links with url_for (the term index only names document and row)."""
    db = store.open_db(db_path)
    add_corpus(db, name="chap 1 #2?")
    db.close()
    client = create_app({"TESTING": True, "DATABASE": str(db_path),
                         "EMBEDDER": fake_embedder}).test_client()
    hit = client.get("/lookup.json?q=accord").get_json()["hits"][0]
    assert hit["url"] == f"/documents/chap%201%20%232%3F?link={hit['link_id']}"
    assert client.get(hit["url"]).status_code == 200
    assert f'href="{hit["url"]}"' in client.get("/lookup?q=accord").get_data(as_text=True)
