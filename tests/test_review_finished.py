"""Issue 13: a document marked finished is locked against edits until it is reopened, and
the documents page (and its JSON twin) says when, by whom, and who changed it last."""

from __future__ import annotations

import pytest

from tests.test_review import doc, link_ids, state  # noqa: F401  (the `doc` fixture)
from workbench import review, store

USER = {"X-Workbench-User": "ana"}


def edits(db, document_id, embedder):
    ids = link_ids(db, document_id)
    sentence = store.sentences(db, document_id, store.SOURCE)[0]["id"]
    return {
        "confirm": lambda: review.set_status(db, document_id, ids[0], user="ben"),
        "range": lambda: review.set_status_range(db, document_id, ids[0], ids[1], user="ben"),
        "confirm through": lambda: review.confirm_through(db, document_id, ids[1], user="ben"),
        "merge": lambda: review.merge(db, document_id, ids[0], user="ben"),
        "split": lambda: review.split(db, document_id, ids[0], user="ben"),
        "shift": lambda: review.shift(db, document_id, ids[1], store.SOURCE, review.UP,
                                      user="ben"),
        "empty": lambda: review.insert_empty(db, document_id, ids[0], store.SOURCE,
                                             user="ben"),
        "text": lambda: review.edit_text(db, document_id, sentence, "Un !", user="ben"),
        "cut": lambda: review.split_sentence(db, document_id, sentence, 1, user="ben"),
        "join": lambda: review.join_sentences(db, document_id, sentence, user="ben"),
        "undo": lambda: review.undo(db, document_id, user="ana"),
        "redo": lambda: review.redo(db, document_id, user="ana"),
        "realign": lambda: review.realign(db, document_id, embedder, user="ben"),
    }


def test_a_finished_document_refuses_every_edit_until_reopened(db, doc, fake_embedder):  # noqa: F811
    review.set_status(db, doc, link_ids(db, doc)[0], user="ana")
    finished = review.finish(db, doc, user="ana")
    assert finished["finished_by"] == "ana" and finished["finished"].endswith("Z")
    before = state(db, doc)
    for name, edit in edits(db, doc, fake_embedder).items():
        with pytest.raises(review.DocumentFinished, match="marked finished by ana on") as caught:
            edit()
        assert "reopen it" in str(caught.value), name
    assert state(db, doc) == before
    with pytest.raises(review.ReviewError, match="already finished"):
        review.finish(db, doc, user="ben")
    reopened = review.reopen(db, doc, user="ben")
    assert reopened["finished"] is None
    review.set_status(db, doc, link_ids(db, doc)[1], user="ben")
    with pytest.raises(review.ReviewError, match="not finished"):
        review.reopen(db, doc, user="ben")


def test_finishing_a_stale_page_is_a_conflict(db, doc):  # noqa: F811
    version = store.get_document(db, "doc")["version"]
    review.set_status(db, doc, link_ids(db, doc)[0], user="ben")
    with pytest.raises(review.Conflict):
        review.finish(db, doc, user="ana", version=version)


def test_finish_and_reopen_over_the_api_and_the_documents_page(client, db, doc):  # noqa: F811
    review.set_status(db, doc, link_ids(db, doc)[0], user="ben")
    version = store.get_document(db, "doc")["version"]
    answer = client.post("/documents/doc/finish", json={"version": version}, headers=USER)
    assert answer.status_code == 200
    data = answer.get_json()
    assert (data["document"], data["finished_by"], data["version"]) == ("doc", "ana", version + 1)
    refused = client.post(f"/documents/doc/links/{link_ids(db, doc)[1]}/status",
                          json={"version": version + 1}, headers=USER)
    assert refused.status_code == 423
    assert refused.get_json()["error"] == "finished"
    assert "reopen" in refused.get_json()["message"]
    listed = client.get("/documents.json").get_json()["documents"][0]
    assert (listed["finished_by"], listed["last_editor"]) == ("ana", "ben")
    assert listed["finished"] == data["finished"]
    html = client.get("/").get_data(as_text=True)
    assert "Finished" in html and data["finished"][:10] in html and "by ana" in html
    assert "last change by ben" in html
    assert client.get("/documents/doc.json").get_json()["document"]["finished_by"] == "ana"
    assert client.get("/documents/doc/state.json").get_json()["document"]["finished_by"] == "ana"
    again = client.post("/documents/doc/finish", json={}, headers=USER)
    assert again.status_code == 400 and "already finished" in again.get_json()["message"]
    reopened = client.post("/documents/doc/reopen", json={}, headers=USER)
    assert reopened.status_code == 200 and reopened.get_json()["finished"] is None
    assert client.post("/documents/nope/finish", json={}, headers=USER).status_code == 404


def test_a_finished_document_is_not_re_imported_or_re_aligned(db, doc, fake_embedder):  # noqa: F811
    from workbench.aligning import align_stored
    from workbench.corpus import ImportRefused
    from workbench.reimport import reimport_document
    from workbench.segment import Sentence
    from workbench.web.errors import status_of

    review.finish(db, doc, user="ana")
    before = state(db, doc)
    with pytest.raises(ImportRefused, match="doc: this document was marked finished by ana"):
        reimport_document(db, doc, [Sentence("Un.", 0)], [Sentence("One.", 0)], fake_embedder)
    with pytest.raises(ImportRefused, match="reopen it first") as caught:
        align_stored(db, doc, fake_embedder)
    assert status_of(caught.value) == 423
    assert state(db, doc) == before
