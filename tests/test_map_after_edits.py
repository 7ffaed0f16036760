"""The overview map keeps its matrix after a sentence is corrected, split or joined."""

from __future__ import annotations

import pytest

from tests.conftest import sentences
from workbench import store
from workbench.importing import create_aligned_document
from workbench.web import create_app

TEXTS = ["le chat dort", "le chien court", "la pluie tombe", "le vent souffle"]


@pytest.fixture
def aligned_app(db_path, db, fake_embedder):
    create_aligned_document(db, "cats", sentences(*TEXTS), sentences(*TEXTS),
                                     fake_embedder)
    return create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})


def post(client, path, **body):
    version = client.get("/documents/cats/state.json").get_json()["document"]["version"]
    answer = client.post(f"/documents/cats{path}", json={"version": version, **body})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def cells(client):
    return client.get("/documents/cats/map.json").get_json()["cells"]


def test_the_map_keeps_its_matrix_after_a_text_edit_a_split_and_a_join(db, aligned_app):
    client = aligned_app.test_client()
    assert cells(client) is not None
    target = store.sentences(db, store.get_document(db, "cats")["id"], store.TARGET)
    post(client, f"/sentences/{target[1]['id']}/text", text="le chien court vite")
    assert cells(client) is not None
    post(client, f"/sentences/{target[2]['id']}/split", offset=len("la pluie"))
    assert cells(client) is not None
    post(client, f"/sentences/{target[2]['id']}/join")
    assert cells(client) is not None
    post(client, "/undo")
    post(client, "/undo")
    assert cells(client) is not None


def test_the_map_embeds_a_sentence_without_a_vector(db, aligned_app, fake_embedder):
    """A sentence changed behind the editor's back (no vector cached) is embedded on demand."""
    document_id = store.get_document(db, "cats")["id"]
    db.execute("update sentences set text = 'un texte jamais vu' where document_id = ? "
               "and side = 'source' and position = 0", [document_id])
    db.conn.commit()
    data = aligned_app.test_client().get("/documents/cats/map.json").get_json()
    assert data["cells"] is not None and len(data["cells"]) == 16
    assert fake_embedder.name == data["model"]
