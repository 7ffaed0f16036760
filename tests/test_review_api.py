"""The editor's JSON API: one endpoint per operation, conflicts, undo, history, the map."""

from __future__ import annotations

import pytest

from tests.conftest import sentences
from workbench import store
from workbench.embed import CachedEmbedder, EmbedderPair, with_cache
from workbench.web import create_app

USER = {"X-Workbench-User": "ana"}


def version(client):
    return client.get("/documents/sample.json").get_json()["document"]["version"]


def link_ids(db, document_id):
    return [link["id"] for link in store.links(db, document_id)]


def post(client, path, **body):
    body.setdefault("version", version(client))
    return client.post(f"/documents/sample{path}", json=body, headers=USER)


def test_confirm_answers_with_the_changed_rows_and_the_new_version(client, db, sample_document):
    first = link_ids(db, sample_document)[0]
    before = version(client)
    answer = post(client, f"/links/{first}/status", status="confirmed")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["version"] == before + 1
    assert data["links"] is None  # only a status changed: no rows to replace
    (status,) = data["statuses"]
    assert (status["id"], status["status"], status["updated_by"]) == (first, "confirmed", "ana")
    assert status["updated"].endswith("Z")
    assert (data["reviewed"], data["total"], data["undo"], data["redo"]) == (1, 3, 1, 0)


def test_every_operation_has_an_endpoint(client, db, sample_document):
    ids = link_ids(db, sample_document)
    source = store.sentences(db, sample_document, store.SOURCE)
    assert post(client, f"/links/{ids[0]}/confirm-through").status_code == 200
    assert post(client, f"/links/{ids[1]}/merge", direction="down").status_code == 200
    assert post(client, f"/links/{ids[1]}/split").status_code == 200
    assert post(client, f"/links/{ids[1]}/shift", side="target",
                direction="up").status_code == 200
    assert post(client, f"/links/{ids[0]}/insert-empty", side="source").status_code == 200
    assert post(client, f"/sentences/{source[0]['id']}/text",
                text="Le roi est mort !").status_code == 200
    answer = post(client, f"/sentences/{source[0]['id']}/split", offset=11)
    assert answer.status_code == 200
    assert answer.get_json()["shifts"] == [{"side": "source", "from": 1, "delta": 1}]
    assert post(client, f"/sentences/{source[0]['id']}/join").status_code == 200
    assert post(client, "/undo").status_code == 200
    assert post(client, "/redo").status_code == 200
    history = client.get("/documents/sample/history.json").get_json()
    assert [e["op"] for e in history["history"]][:3] == [
        "join_sentences", "split_sentence", "edit_text"]
    assert {e["user"] for e in history["history"]} == {"ana"}


def test_a_stale_version_is_answered_409_with_a_clear_message(client, db, sample_document):
    ids = link_ids(db, sample_document)
    stale = version(client)
    assert post(client, f"/links/{ids[0]}/status", version=stale).status_code == 200
    answer = post(client, f"/links/{ids[1]}/merge", version=stale)
    assert answer.status_code == 409
    data = answer.get_json()
    assert data["error"] == "conflict"
    assert "changed by someone else" in data["message"]
    assert data["version"] == stale + 1
    assert len(store.links(db, sample_document)) == 3


def test_impossible_edits_are_400_and_unknown_ids_404(client, db, sample_document):
    ids = link_ids(db, sample_document)
    answer = post(client, f"/links/{ids[0]}/split")
    assert answer.status_code == 400
    assert "nothing to split" in answer.get_json()["message"]
    assert post(client, f"/links/{ids[0]}/shift", side="target").status_code == 400
    assert post(client, "/links/99999/merge").status_code == 404
    assert client.post("/documents/nope/undo", json={}).status_code == 404
    assert post(client, "/redo").get_json()["message"] == "nothing to redo"


def test_merge_answers_with_the_rows_that_replace_the_old_ones(client, db, sample_document):
    ids = link_ids(db, sample_document)
    data = post(client, f"/links/{ids[0]}/merge", direction="down").get_json()
    assert data["links"] == {"start": 0, "stop_before": 2, "stop_after": 1}
    (merged,) = data["pairs"]
    assert [s["text"] for s in merged["source"]] == ["Le roi est mort.", "Vive le roi."]
    assert (merged["status"], merged["updated_by"]) == ("edited", "ana")
    assert 0.0 < merged["score"] < 1.0  # rescored: the aligner's calibrated confidence


def test_undo_answers_with_the_rows_it_restored(client, db, sample_document):
    ids = link_ids(db, sample_document)
    post(client, f"/links/{ids[0]}/merge", direction="down")
    data = post(client, "/undo").get_json()
    assert data["links"] == {"start": 0, "stop_before": 1, "stop_after": 2}
    assert [p["id"] for p in data["pairs"]] == ids[:2]
    assert data["summary"].startswith("Undid: merged rows 1 and 2")


def test_the_editor_page_embeds_its_state_and_the_json_twin_stays(client, sample_document):
    html = client.get("/documents/sample").get_data(as_text=True)
    assert 'id="editor-state"' in html and "Le roi est mort." in html
    assert "/documents/sample.json" in html
    state = client.get("/documents/sample/state.json").get_json()
    assert [p["score"] for p in state["pairs"]] == [0.95, 0.6, 0.3]
    assert state["pairs"][0]["source"][0] == {
        "id": state["pairs"][0]["source"][0]["id"], "position": 0, "paragraph": 0,
        "text": "Le roi est mort.", "kind": "text"}
    assert state["undo"] == {"undo": 0, "redo": 0}


def test_version_endpoint_names_the_last_change(client, db, sample_document):
    post(client, f"/links/{link_ids(db, sample_document)[0]}/status")
    data = client.get("/documents/sample/version.json").get_json()
    assert data["version"] == version(client)
    assert data["last_change"]["user"] == "ana"


def test_map_draws_the_path_alone_without_cached_vectors(client, sample_document):
    data = client.get("/documents/sample/map.json").get_json()
    assert (data["rows"], data["cols"], data["cells"]) == (3, 3, None)


def test_map_pools_the_cached_similarities(db_path, db, fake_embedder):
    source = sentences("le chat dort", "le chien court", "la pluie tombe")
    document_id = store.create_document(db, "cats", source, source)
    texts = [s.text for s in source]
    CachedEmbedder(fake_embedder, store.SqliteEmbeddingCache(db)).encode(texts)
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    data = app.test_client().get("/documents/cats/map.json").get_json()
    assert data["model"] == fake_embedder.name and document_id
    cells = data["cells"]
    assert len(cells) == 9
    assert cells[0] == cells[4] == cells[8] == 255
    assert max(cells[1], cells[2], cells[5]) < 200


def test_with_a_pair_of_models_the_map_draws_the_first_models_similarities(
        db_path, db, fake_embedder, coarse_embedder):
    source = sentences("le chat dort", "le chien court", "la pluie tombe")
    store.create_document(db, "cats", source, source)
    pair = EmbedderPair(fake_embedder, coarse_embedder)
    with_cache(pair, store.SqliteEmbeddingCache(db)).encode([s.text for s in source])
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": pair})
    data = app.test_client().get("/documents/cats/map.json").get_json()
    assert data["model"] == fake_embedder.name
    assert data["cells"][0] == data["cells"][4] == data["cells"][8] == 255


def test_realign_uses_the_app_embedder(db_path, db, make_document, fake_embedder):
    texts = ("le chat dort", "le chien court", "la pluie tombe")
    make_document("cats", texts, texts, [((0, 1), (0,)), ((2,), (1, 2))])
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    answer = app.test_client().post("/documents/cats/realign", json={})
    assert answer.status_code == 200
    assert answer.get_json()["links"] == {"start": 0, "stop_before": 2, "stop_after": 3}
    assert fake_embedder.calls > 0


@pytest.mark.parametrize("path", ["/", "/documents/sample"])
def test_every_page_has_the_display_name_control(client, sample_document, path):
    assert 'id="user-name"' in client.get(path).get_data(as_text=True)


def test_a_merged_row_is_scored_from_the_cache_and_its_joined_text(db_path, db, make_document,
                                                                  fake_embedder):
    texts = ("le chat dort", "le chien court", "la pluie tombe")
    document_id = make_document("cats", texts, texts, scores=[1.0] * 3)
    CachedEmbedder(fake_embedder, store.SqliteEmbeddingCache(db)).encode(list(texts))
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    client = app.test_client()
    first = store.links(db, document_id)[0]["id"]
    calls = fake_embedder.calls
    (merged,) = client.post(f"/documents/cats/links/{first}/merge", json={}).get_json()["pairs"]
    assert 0.5 < merged["score"] < 1.0  # the same words on both sides: a likely 2-2
    # the sentences' vectors come from the cache; only the two joined texts are new
    assert fake_embedder.calls - calls <= 2
    shifted = client.post(f"/documents/cats/links/{first}/shift",
                          json={"side": "target", "direction": "down"}).get_json()["pairs"]
    assert 0.0 < shifted[0]["score"] < merged["score"]  # two French sentences, one English


def test_long_documents_map_compares_bin_centroids(db, fake_embedder, monkeypatch):
    from workbench import similarity_grid as web_review

    texts = [f"mot{i} autre{i}" for i in range(12)]
    CachedEmbedder(fake_embedder, store.SqliteEmbeddingCache(db)).encode(texts)
    monkeypatch.setattr(web_review, "EXACT_MAP_LIMIT", 10)
    grid = web_review.similarity_grid(db, fake_embedder.name, texts, texts, cells=4)
    assert (grid["rows"], grid["cols"]) == (4, 4)
    cells = [grid["cells"][r * 4 : r * 4 + 4] for r in range(4)]
    for r in range(4):  # the diagonal (the same three sentences) stands out in every row
        assert cells[r][r] == max(cells[r]) and cells[r][r] > 200


def test_a_text_conflict_answers_with_theirs_yours_and_the_base(client, db, sample_document):
    """Two translators corrected the same sentence: the second one's 409 carries what the
    page needs to show both versions and the text they both started from."""
    sentence = store.sentences(db, sample_document, store.TARGET)[1]
    start = version(client)
    saved = client.post(f"/documents/sample/sentences/{sentence['id']}/text",
                        json={"version": start, "text": "cold and hunger",
                              "base": sentence["text"]}, headers=USER)
    assert saved.status_code == 200
    refused = client.post(f"/documents/sample/sentences/{sentence['id']}/text",
                          json={"version": start, "text": "Long live the queen.",
                                "base": sentence["text"]},
                          headers={"X-Workbench-User": "ben"})
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["version"] == start + 1
    assert body["text_conflict"] == {
        "sentence_id": sentence["id"], "theirs": "cold and hunger",
        "yours": "Long live the queen.", "base": "Long live the king.", "changed": True,
        "by": "ana", "at": body["text_conflict"]["at"]}
    assert store.sentences(db, sample_document, store.TARGET)[1]["text"] == "cold and hunger"
    blind = client.post(f"/documents/sample/sentences/{sentence['id']}/text",
                        json={"version": start, "text": "Long live the queen."})
    assert blind.status_code == 409
    assert blind.get_json()["text_conflict"]["changed"] is None  # no base: cannot tell
