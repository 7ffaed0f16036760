"""A review edit acts on the row it names even when another edit lands just before it.

Issue 12, item 5: without `version`, the row was looked up outside the edit's transaction,
so an edit committed in between moved rows and 5 of 2,505 confirmations landed on another row.
"""

from __future__ import annotations

import pytest

from tests.conftest import one_to_one_document
from workbench import review, store
from workbench.status import Status

WORDS = ["Un.", "Deux.", "Trois.", "Quatre mots ici.", "Cinq.", "Six."]
ENGLISH = ["One.", "Two.", "Three.", "Four words here.", "Five.", "Six."]


@pytest.fixture
def doc(db):
    return one_to_one_document(db, "doc", WORDS, ENGLISH)


@pytest.fixture
def colleague_merges_first(db_path, doc, monkeypatch):
    """Just before the next edit starts its transaction, a colleague merges rows 1 and 2."""
    original_run = review.run
    other = store.open_db(db_path)
    first = store.links(other, doc)[0]["id"]
    pending = [True]

    def run_after_a_colleague(*args, **kwargs):
        if pending:
            pending.clear()
            review.merge(other, doc, first, user="colleague")
        return original_run(*args, **kwargs)

    monkeypatch.setattr(review, "run", run_after_a_colleague)
    yield
    other.close()


def link_holding(db, document_id, side, sentence_id):
    column = "source_ids" if side == store.SOURCE else "target_ids"
    return next(link for link in store.links(db, document_id) if sentence_id in link[column])


def test_confirm_lands_on_the_named_row(db, doc, colleague_merges_first):
    named = store.links(db, doc)[3]
    review.set_status(db, doc, named["id"])
    statuses = {link["id"]: link["status"] for link in store.links(db, doc)}
    assert statuses[named["id"]] == Status.CONFIRMED
    assert list(statuses.values()).count(Status.CONFIRMED) == 1


def test_confirm_through_stops_at_the_named_row(db, doc, colleague_merges_first):
    links = store.links(db, doc)
    review.confirm_through(db, doc, links[3]["id"])
    after = {link["id"]: link["status"] for link in store.links(db, doc)}
    assert after[links[3]["id"]] == Status.CONFIRMED
    assert after[links[4]["id"]] == Status.AUTO


def test_merge_merges_the_named_row_with_its_neighbour(db, doc, colleague_merges_first):
    links = store.links(db, doc)
    review.merge(db, doc, links[3]["id"], review.DOWN)
    merged = next(link for link in store.links(db, doc) if link["id"] == links[3]["id"])
    assert merged["source_ids"] == links[3]["source_ids"] + links[4]["source_ids"]


def test_shift_and_insert_empty_act_on_the_named_row(db, doc, colleague_merges_first):
    links = store.links(db, doc)
    review.insert_empty(db, doc, links[3]["id"], store.SOURCE)
    row = next(link for link in store.links(db, doc) if link["id"] == links[3]["id"])
    assert row["source_ids"] == links[3]["source_ids"] and row["target_ids"] == []


def test_sentence_edits_act_on_the_named_sentence_and_its_row(db, doc, colleague_merges_first):
    source = store.sentences(db, doc, store.SOURCE)
    named = source[3]
    holder = link_holding(db, doc, store.SOURCE, named["id"])
    review.split_sentence(db, doc, named["id"], 6)
    texts = [row["text"] for row in store.sentences(db, doc, store.SOURCE)]
    assert texts[3:5] == ["Quatre", "mots ici."]
    after = next(link for link in store.links(db, doc) if link["id"] == holder["id"])
    assert len(after["source_ids"]) == 2 and after["status"] == Status.EDITED


def test_edit_text_marks_the_row_holding_the_sentence(db, doc, colleague_merges_first):
    named = store.sentences(db, doc, store.SOURCE)[4]
    holder = link_holding(db, doc, store.SOURCE, named["id"])
    review.edit_text(db, doc, named["id"], "Cinq !")
    statuses = {link["id"]: link["status"] for link in store.links(db, doc)}
    assert statuses[holder["id"]] == Status.EDITED
    assert list(statuses.values()).count(Status.EDITED) == 2  # the colleague's merge too


def test_join_joins_the_named_sentence_with_the_next(db, doc, colleague_merges_first):
    named = store.sentences(db, doc, store.SOURCE)[3]
    holder = link_holding(db, doc, store.SOURCE, named["id"])
    review.join_sentences(db, doc, named["id"])
    after = next(link for link in store.links(db, doc) if link["id"] == holder["id"])
    assert after["source_ids"] == [named["id"]]
    joined = next(r for r in store.sentences(db, doc, store.SOURCE) if r["id"] == named["id"])
    assert joined["text"] == "Quatre mots ici. Cinq."
