"""Pairing chosen sentences by hand (`review.set_links`): the rows holding them give way."""

import pytest

from workbench import review, store

from .conftest import sentences
from .test_review import check_undo_redo, link_ids, shape, state, statuses

SOURCE = ("un", "deux", "trois", "quatre")
TARGET = ("one", "two", "three", "four")


def stored(db, rows: list[tuple[list[int], list[int]]], reviewed: tuple[int, ...] = ()):
    """A document of SOURCE/TARGET linked as `rows` (sentence positions); the rows at the
    positions in `reviewed` are confirmed. Returns the id and the sentence ids by side."""
    doc = store.create_document(db, "doc", sentences(*SOURCE), sentences(*TARGET))
    src = [s["id"] for s in store.sentences(db, doc, store.SOURCE)]
    tgt = [t["id"] for t in store.sentences(db, doc, store.TARGET)]
    store.replace_links(db, doc, [
        {"source_ids": [src[i] for i in s], "target_ids": [tgt[j] for j in t], "score": 0.5,
         "status": "confirmed" if k in reviewed else "auto"}
        for k, (s, t) in enumerate(rows)])
    return doc, src, tgt


def texts(rows):
    return [([SOURCE[i] for i in s], [TARGET[j] for j in t]) for s, t in rows]


def test_a_wrong_merge_gives_way_and_the_rest_stays_automatic(db):
    doc, src, tgt = stored(db, [([0], [0]), ([1, 2], [1]), ([], [2]), ([3], [3])])
    before = state(db, doc)
    change = review.set_links(db, doc, [([src[1]], [tgt[1]])], user="ana")
    assert shape(db, doc) == texts([([0], [0]), ([1], [1]), ([2], []), ([], [2]), ([3], [3])])
    assert statuses(db, doc) == ["auto", "confirmed", "auto", "auto", "auto"]
    assert change.op == "set_links" and change.focus_link == link_ids(db, doc)[1]
    check_undo_redo(db, doc, before)


def test_a_row_that_would_cross_the_new_pair_is_split_around_it(db):
    doc, src, tgt = stored(db, [([0, 1], [0]), ([2], [1]), ([3], [2, 3])])
    review.set_links(db, doc, [([src[1]], [tgt[2]])], user="ana")
    # "trois" comes after the new pair, "two" before it: their row cannot stay whole
    assert shape(db, doc) == texts([([0], [0]), ([], [1]), ([1], [2]), ([2], []), ([3], [3])])
    assert statuses(db, doc) == ["auto", "auto", "confirmed", "auto", "auto"]


def test_several_pairs_at_once_and_a_sentence_left_alone(db):
    doc, src, tgt = stored(db, [([0, 1], [0, 1]), ([2, 3], [2, 3])])
    review.set_links(db, doc, [([src[1]], [tgt[1]]), ([src[2]], [])], user="ana")
    assert shape(db, doc) == texts([([0], [0]), ([1], [1]), ([2], []), ([3], [2, 3])])
    assert statuses(db, doc) == ["auto", "confirmed", "confirmed", "auto"]


def test_a_pair_that_is_already_a_row_keeps_its_id_and_is_confirmed(db):
    doc, src, tgt = stored(db, [([0], [0]), ([1], [1]), ([2, 3], [2, 3])])
    ids = link_ids(db, doc)
    review.set_links(db, doc, [([src[1]], [tgt[1]])], user="ana")
    assert link_ids(db, doc) == ids
    assert statuses(db, doc) == ["auto", "confirmed", "auto"]


def test_reviewed_rows_holding_none_of_the_sentences_stay(db):
    doc, src, tgt = stored(db, [([0], [0]), ([1], [1]), ([2, 3], [2, 3])], reviewed=(1,))
    reviewed = store.links(db, doc)[1]
    before = state(db, doc)
    with pytest.raises(review.ReviewError, match="cross a reviewed row"):
        review.set_links(db, doc, [([src[0]], [tgt[2]])], user="ana")
    assert state(db, doc) == before
    review.set_links(db, doc, [([src[0]], []), ([src[3]], [tgt[2], tgt[3]])], user="ana")
    assert shape(db, doc) == texts([([0], []), ([], [0]), ([1], [1]), ([2], []),
                                    ([3], [2, 3])])
    assert store.links(db, doc)[2] == dict(reviewed, position=2)


@pytest.mark.parametrize("pairs, error", [
    ([], "at least one pair"),
    ([("", "")], "at least one pair"),
    ([("s0", "t0"), ("s0", "t1")], "only one of the pairs"),
    ([("s0 s2", "t0")], "next to each other"),
    ([("t0", "t1")], "not on that side"),
])
def test_pairs_that_make_no_sense_are_refused_and_nothing_changes(db, pairs, error):
    doc, src, tgt = stored(db, [([0], [0]), ([1], [1]), ([2], [2]), ([3], [3])])
    ids = {f"s{k}": i for k, i in enumerate(src)} | {f"t{k}": j for k, j in enumerate(tgt)}
    given = [([ids[w] for w in s.split()], [ids[w] for w in t.split()]) for s, t in pairs]
    before = state(db, doc)
    with pytest.raises(review.ReviewError, match=error):
        review.set_links(db, doc, given, user="ana")
    assert state(db, doc) == before


def test_a_sentence_of_another_document_is_not_found(db):
    doc, src, tgt = stored(db, [([0], [0]), ([1], [1]), ([2], [2]), ([3], [3])])
    with pytest.raises(review.NotFound):
        review.set_links(db, doc, [([max(src + tgt) + 100], [tgt[0]])], user="ana")
