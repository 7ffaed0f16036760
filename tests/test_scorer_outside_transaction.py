"""The editor's scorer never embeds while an edit holds the write lock.

A corrected sentence or a merged row's joined text has no vector yet; embedding it (and
perhaps loading the model first) takes seconds, during which every other writer waits and
then gets a 503. The edit embeds what it needs first, outside any transaction.
"""

from __future__ import annotations

import pytest

from tests.conftest import BagOfWordsEmbedder, sentences
from workbench import review, store
from workbench.embed import ModelLoadError
from workbench.importing import create_aligned_document
from workbench.review_scorer import StoredRowScorer
from workbench.status import Status

FRENCH = ["alpha beta gamma.", "delta epsilon zeta.", "eta theta iota kappa.", "lambda mu."]
ENGLISH = ["alpha beta gamma!", "delta epsilon zeta!", "eta theta iota kappa!", "lambda mu!"]


class WatchedEmbedder(BagOfWordsEmbedder):
    """Records each call, and fails the test if one comes inside a transaction."""

    def __init__(self, db) -> None:
        super().__init__()
        self.db, self.embedded = db, []

    def encode(self, texts):
        assert not self.db.conn.in_transaction, f"embedded {texts} holding the write lock"
        self.embedded.append(list(texts))
        return super().encode(texts)


@pytest.fixture
def doc(db):
    document_id, _ = create_aligned_document(
        db, "d", sentences(*FRENCH), sentences(*ENGLISH), BagOfWordsEmbedder())
    return document_id


def _reshaped_rows_have_fresh_scores(db, document_id, embedder, rows):
    links = [store.links(db, document_id)[k] for k in rows]
    fresh = StoredRowScorer(embedder).score_links(db, document_id, [r["id"] for r in links])
    assert [link["score"] for link in links] == pytest.approx(
        [fresh[link["id"]] for link in links], abs=1e-6)
    assert None not in [link["score"] for link in links]


@pytest.mark.parametrize(("operation", "reshaped"),
                         [("edit_text", [2]), ("merge", [0]), ("shift", [0])])
def test_an_edit_embeds_its_new_texts_outside_the_transaction(db, doc, operation, reshaped):
    embedder = WatchedEmbedder(db)
    scorer = StoredRowScorer(embedder)
    ids = [link["id"] for link in store.links(db, doc)]
    french = [s["id"] for s in store.sentences(db, doc, store.SOURCE)]
    if operation == "edit_text":
        review.edit_text(db, doc, french[2], "eta theta iota nu.", scorer=scorer)
    elif operation == "merge":
        review.merge(db, doc, ids[0], review.DOWN, scorer=scorer)
    else:
        review.shift(db, doc, ids[1], store.SOURCE, review.UP, scorer=scorer)
    assert embedder.embedded  # something new had to be embedded
    _reshaped_rows_have_fresh_scores(db, doc, embedder, reshaped)
    history = review.history(db, doc)
    assert len(history) == 1 and history[0]["op"] == operation  # one step, however many tries
    after = store.links(db, doc)
    review.undo(db, doc)
    review.redo(db, doc)
    assert [link["score"] for link in store.links(db, doc)] == [
        link["score"] for link in after]


class BrokenModel(BagOfWordsEmbedder):
    def encode(self, texts):
        raise ModelLoadError("no model here")


def test_an_edit_whose_model_cannot_load_is_saved_without_a_score(db, doc):
    french = [s["id"] for s in store.sentences(db, doc, store.SOURCE)]
    review.edit_text(db, doc, french[2], "eta theta iota nu.",
                     scorer=StoredRowScorer(BrokenModel()))
    row = store.links(db, doc)[2]
    assert row["status"] == Status.EDITED and row["score"] is None
