"""Operations at the edges of a document: an operation with no neighbour is refused, and
an edit that changes nothing records nothing."""

from __future__ import annotations

import pytest

from tests.conftest import sentences
from tests.test_review import doc, link_ids, state  # noqa: F401  (the `doc` fixture)
from workbench import review, store

NO_ROW_ABOVE = [
    ("merge up", lambda db, d, link: review.merge(db, d, link, review.UP)),
    ("shift French up", lambda db, d, link: review.shift(db, d, link, store.SOURCE, review.UP)),
    ("shift English up", lambda db, d, link: review.shift(db, d, link, store.TARGET, review.UP)),
]
NO_ROW_BELOW = [
    ("merge down", lambda db, d, link: review.merge(db, d, link, review.DOWN)),
    ("shift French down",
     lambda db, d, link: review.shift(db, d, link, store.SOURCE, review.DOWN)),
    ("shift English down",
     lambda db, d, link: review.shift(db, d, link, store.TARGET, review.DOWN)),
]


@pytest.mark.parametrize(("name", "operation"), NO_ROW_ABOVE, ids=[n for n, _ in NO_ROW_ABOVE])
def test_the_first_row_has_no_row_above(db, doc, name, operation):  # noqa: F811
    before = state(db, doc)
    version = store.get_document(db, "doc")["version"]
    with pytest.raises(review.ReviewError, match="row 1 is the first row: there is no row above"):
        operation(db, doc, link_ids(db, doc)[0])
    assert state(db, doc) == before
    assert store.get_document(db, "doc")["version"] == version
    assert review.history(db, doc) == []


@pytest.mark.parametrize(("name", "operation"), NO_ROW_BELOW, ids=[n for n, _ in NO_ROW_BELOW])
def test_the_last_row_has_no_row_below(db, doc, name, operation):  # noqa: F811
    before = state(db, doc)
    with pytest.raises(review.ReviewError, match="row 4 is the last row: there is no row below"):
        operation(db, doc, link_ids(db, doc)[-1])
    assert state(db, doc) == before
    assert review.history(db, doc) == []


@pytest.mark.parametrize(("name", "operation"), NO_ROW_ABOVE + NO_ROW_BELOW,
                         ids=[n for n, _ in NO_ROW_ABOVE + NO_ROW_BELOW])
def test_every_operation_works_where_it_has_a_neighbour(db, doc, name, operation):  # noqa: F811
    operation(db, doc, link_ids(db, doc)[1 if "up" in name else 2])
    assert len(review.history(db, doc)) == 1


def test_a_lone_row_has_no_neighbour_either_way(db, make_document):
    document_id = make_document("lone", ["Un."], ["One."])
    (link,) = link_ids(db, document_id)
    for operation in NO_ROW_ABOVE + NO_ROW_BELOW:
        with pytest.raises(review.ReviewError, match="row 1 is the (first|last) row"):
            operation[1](db, document_id, link)


def test_a_realign_that_changes_nothing_records_nothing(db, fake_embedder):
    texts = ["le chat dort", "le chien court", "la pluie tombe"]
    document_id = store.create_document(db, "same", sentences(*texts), sentences(*texts))
    review.realign(db, document_id, fake_embedder, user="ana")
    before = state(db, document_id)
    version = store.get_document(db, "same")["version"]
    entries = review.history(db, document_id)
    change = review.realign(db, document_id, fake_embedder, user="ana")
    assert "0 new" in change.summary and "nothing changed" in change.summary
    assert change.links is None and change.statuses == () and change.focus_link is None
    assert change.version == version
    assert store.get_document(db, "same")["version"] == version
    assert state(db, document_id) == before
    assert review.history(db, document_id) == entries
