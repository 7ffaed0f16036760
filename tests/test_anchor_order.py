"""Re-align and re-import keep reviewed 1-0 and 0-1 rows in place and cover every sentence once.

Issue 12, item 2: anchors were sorted by `(source[:1], target[:1])`, so 0-1 anchors came
first and 1-0 anchors never moved the English position: re-align of a document with one
confirmed 0-1 row multiplied its links, and with several it failed on `links.id`.
"""

from __future__ import annotations

import pytest

from tests.conftest import sentences, store_document
from workbench import review, store
from workbench.align import Anchor, Link, align
from workbench.aligning import align_stored
from workbench.reimport import reimport_document
from workbench.status import Status

WORDS = ("alpha beta", "gamma delta", "epsilon zeta", "eta theta", "iota kappa",
         "lambda mu", "nu xi", "omicron pi", "rho sigma", "tau upsilon")


def assert_covers_once_in_order(db, document_id: int) -> None:
    """Every sentence of each side is in exactly one link, and links follow reading order."""
    links = store.links(db, document_id)
    for side, column in ((store.SOURCE, "source_ids"), (store.TARGET, "target_ids")):
        expected = [row["id"] for row in store.sentences(db, document_id, side)]
        assert [i for link in links for i in link[column]] == expected, side
    assert [link["position"] for link in links] == list(range(len(links)))


def document_with_rows(db, rows: list[tuple[list[int], list[int]]], name: str = "doc") -> int:
    """A document linked as `rows` (sentence positions on each side): linked sentences
    share their words, a sentence alone has words of its own."""
    source_count = 1 + max(i for s, _ in rows for i in s)
    target_count = 1 + max(j for _, t in rows for j in t)
    source = [f"lone source {k}" for k in range(source_count)]
    target = [f"lone target {k}" for k in range(target_count)]
    for k, (s, t) in enumerate(rows):
        for i in s:
            source[i] = WORDS[k % len(WORDS)] + f" {k}"
        for j in t:
            target[j] = WORDS[k % len(WORDS)] + f" {k}"
    return store_document(db, name, source, target, rows)


def positions(db, document_id: int) -> list[tuple[list[int], list[int]]]:
    """The links as sentence positions on each side."""
    where = {side: {row["id"]: row["position"] for row in store.sentences(db, document_id, side)}
             for side in (store.SOURCE, store.TARGET)}
    return [([where[store.SOURCE][i] for i in link["source_ids"]],
             [where[store.TARGET][j] for j in link["target_ids"]])
            for link in store.links(db, document_id)]


ZERO_ONE_ROWS = [([i], [i]) for i in range(4)] + [([], [4])] + \
    [([i], [i + 1]) for i in range(4, 8)]


def confirm(db, document_id: int, positions: list[int]) -> None:
    links = store.links(db, document_id)
    for position in positions:
        review.set_status(db, document_id, links[position]["id"])


@pytest.fixture
def with_zero_one(db):
    """Eight 1-1 rows and, at row 5, an English sentence alone (0-1), confirmed."""
    document_id = document_with_rows(db, ZERO_ONE_ROWS)
    confirm(db, document_id, [4])
    return document_id


def test_realign_keeps_a_confirmed_zero_one_row_and_every_sentence_once(
    db, with_zero_one, fake_embedder
):
    anchor = store.links(db, with_zero_one)[4]
    review.realign(db, with_zero_one, fake_embedder)
    assert_covers_once_in_order(db, with_zero_one)
    links = store.links(db, with_zero_one)
    assert anchor in links
    assert positions(db, with_zero_one) == ZERO_ONE_ROWS


def test_realign_with_several_one_zero_and_zero_one_rows(db, fake_embedder):
    rows = [([0], [0]), ([1], []), ([2], [1]), ([], [2]), ([3], [3]), ([4], []),
            ([], [4]), ([5], [5]), ([6], [6])]
    document_id = document_with_rows(db, rows)
    confirm(db, document_id, [1, 3, 5, 6])
    anchors = [store.links(db, document_id)[k] for k in (1, 3, 5, 6)]
    review.realign(db, document_id, fake_embedder)
    assert_covers_once_in_order(db, document_id)
    links = store.links(db, document_id)
    assert all(anchor in links for anchor in anchors)
    assert positions(db, document_id) == rows


def test_align_document_keeps_reviewed_empty_sided_rows(db, with_zero_one, fake_embedder):
    align_stored(db, with_zero_one, fake_embedder)
    assert_covers_once_in_order(db, with_zero_one)
    assert positions(db, with_zero_one) == ZERO_ONE_ROWS
    assert store.links(db, with_zero_one)[4]["status"] == Status.CONFIRMED


def test_reimport_after_a_one_word_change_keeps_every_sentence_once(
    db, with_zero_one, fake_embedder
):
    source = [sentences(row["text"])[0]
              for row in store.sentences(db, with_zero_one, store.SOURCE)]
    source[6] = sentences(source[6].text + " omega")[0]  # a one-word change to the French
    target = [sentences(row["text"])[0]
              for row in store.sentences(db, with_zero_one, store.TARGET)]
    changes = reimport_document(db, with_zero_one, source, target, fake_embedder)
    assert changes.reviewed_kept == 1
    assert_covers_once_in_order(db, with_zero_one)
    assert positions(db, with_zero_one) == ZERO_ONE_ROWS


def test_aligner_places_an_empty_sided_anchor_where_its_neighbours_put_it(fake_embedder):
    texts = list(WORDS[:6])
    target = texts[:3] + ["extra line"] + texts[3:]
    alone = Anchor(Link((), (3,), 1.0), source_start=3, target_start=3)
    links = align(texts, target, fake_embedder, anchors=[alone])
    assert [(link.source, link.target) for link in links] == \
        [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((), (3,)), ((3,), (4,)), ((4,), (5,)),
         ((5,), (6,))]


def test_aligner_refuses_crossing_anchors(fake_embedder):
    texts = list(WORDS[:4])
    with pytest.raises(ValueError, match="anchors"):
        align(texts, texts, fake_embedder,
              anchors=[Link((2,), (1,)), Link((1,), (2,))])


def test_reimport_with_a_sentence_inserted_inside_a_reviewed_row(db, fake_embedder):
    rows = [([0], [0]), ([1, 2], [1]), ([3], [2])]
    document_id = document_with_rows(db, rows)
    confirm(db, document_id, [1])
    source = [sentences(row["text"])[0]
              for row in store.sentences(db, document_id, store.SOURCE)]
    source.insert(2, sentences("a new sentence between the two")[0])
    target = [sentences(row["text"])[0]
              for row in store.sentences(db, document_id, store.TARGET)]
    reimport_document(db, document_id, source, target, fake_embedder)
    assert_covers_once_in_order(db, document_id)


def test_realign_through_the_api_with_several_empty_sided_rows(app, db, fake_embedder):
    rows = [([0], [0]), ([1], []), ([2], [1]), ([], [2]), ([3], [3]), ([4], []), ([], [4])]
    document_id = document_with_rows(db, rows)
    confirm(db, document_id, [1, 3, 5, 6])
    app.config["EMBEDDER"] = fake_embedder
    response = app.test_client().post("/documents/doc/realign", json={})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_covers_once_in_order(db, document_id)
    assert positions(db, document_id) == rows
