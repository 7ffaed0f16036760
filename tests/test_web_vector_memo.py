"""The editor keeps a document's vectors between corrections (one memo for the app)."""

from tests.conftest import csrf_token
from workbench.web.services import services


def test_corrections_from_the_editor_reuse_the_documents_vectors(app, client, make_document):
    make_document("story", ["Le chat dort.", "Le chien court.", "La pluie tombe.",
                            "Le soleil brille."],
                  ["The cat sleeps.", "The dog runs.", "The rain falls.", "The sun shines."])
    token = csrf_token(client)
    headers = {"X-CSRF-Token": token}
    memo = services(app).vectors
    pairs = client.get("/documents/story.json").get_json()["pairs"]
    for row in (0, 1):  # two corrections with re-alignment: the second finds the vectors
        link = pairs[row]["id"]
        version = client.get("/documents/story/version.json").get_json()["version"]
        answer = client.post(f"/documents/story/links/{link}/merge",
                             json={"version": version, "realign": True}, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        pairs = client.get("/documents/story.json").get_json()["pairs"]
    assert memo.misses >= 1 and memo.hits >= 1
