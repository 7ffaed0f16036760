"""Properties that hold for any document and any sequence of review operations (Hypothesis).

Issue 12: every sentence is in exactly one link; links are in order on both sides; undoing
every edit restores the start exactly; re-align keeps every anchor (reviewed row), 1-0 and
0-1 rows included. A deterministic bag-of-words embedder keeps each example fast.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import BagOfWordsEmbedder, sentences
from tests.test_review import state
from workbench import review, store
from workbench.align import Anchor, Link, align
from workbench.reimport import reimport_document
from workbench.status import Status

WORDS = ["maison", "rouge", "chat", "pluie", "soleil", "route", "livre", "porte", "ville",
         "arbre", "fleuve", "pierre"]
FAST = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# A link's shape: sentences on each side, up to 2-2, never empty on both.
SHAPES = st.sampled_from([(1, 1), (1, 1), (1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2)])


@st.composite
def documents(draw, min_links: int = 1, max_links: int = 9):
    """Link shapes, which links are reviewed, and the texts (linked sentences share words)."""
    shapes = draw(st.lists(SHAPES, min_size=min_links, max_size=max_links))
    reviewed = draw(st.lists(st.booleans(), min_size=len(shapes), max_size=len(shapes)))
    source, target, rows = [], [], []
    for k, (a, b) in enumerate(shapes):
        word = WORDS[k % len(WORDS)]
        rows.append((list(range(len(source), len(source) + a)),
                     list(range(len(target), len(target) + b))))
        source += [f"{word} {k} {n}" for n in range(a)]
        target += [f"{word} {k} {n}" for n in range(b)]
    return source, target, rows, reviewed


def stored(db, source, target, rows, reviewed) -> int:
    document_id = store.create_document(db, "doc", sentences(*source), sentences(*target))
    src = store.sentences(db, document_id, store.SOURCE)
    tgt = store.sentences(db, document_id, store.TARGET)
    store.replace_links(db, document_id, [
        {"source_ids": [src[i]["id"] for i in s], "target_ids": [tgt[j]["id"] for j in t],
         "status": Status.CONFIRMED if keep else Status.AUTO}
        for (s, t), keep in zip(rows, reviewed, strict=True)
    ])
    return document_id


def assert_sound(db, document_id) -> None:
    """Every sentence in exactly one link, links in reading order on both sides, and
    positions numbered 0..n-1."""
    links = store.links(db, document_id)
    assert [link["position"] for link in links] == list(range(len(links)))
    for side, column in ((store.SOURCE, "source_ids"), (store.TARGET, "target_ids")):
        rows = store.sentences(db, document_id, side)
        assert [row["position"] for row in rows] == list(range(len(rows)))
        assert [i for link in links for i in link[column]] == [row["id"] for row in rows]
    assert all(link["source_ids"] or link["target_ids"] for link in links)


def without_position(link: dict) -> dict:
    return {k: v for k, v in link.items() if k != "position"}


def reviewed_links(db, document_id) -> list[dict]:
    """Reviewed rows, all their columns but the position (rows before them may change)."""
    return [without_position(link) for link in store.links(db, document_id)
            if link["status"] != Status.AUTO]


def kept_all(anchors: list[dict], db, document_id) -> bool:
    after = [without_position(link) for link in store.links(db, document_id)]
    return all(anchor in after for anchor in anchors)


@pytest.fixture(scope="module")
def embedder():
    return BagOfWordsEmbedder(dimension=64)


@FAST
@given(documents())
def test_the_aligner_keeps_any_consistent_anchor_set_and_covers_everything(embedder, document):
    source, target, rows, reviewed = document
    anchors, i, j = [], 0, 0
    for (s, t), keep in zip(rows, reviewed, strict=True):
        if keep:
            anchors.append(Anchor(Link(tuple(s), tuple(t), 1.0), s[0] if s else i,
                                  t[0] if t else j))
        i, j = i + len(s), j + len(t)
    links = align(source, target, embedder, anchors=anchors[::-1])  # any order given
    assert [x for link in links for x in link.source] == list(range(len(source)))
    assert [x for link in links for x in link.target] == list(range(len(target)))
    assert all(anchor.link in links for anchor in anchors)


@FAST
@given(documents())
def test_realign_keeps_every_reviewed_row_and_undo_restores_the_start(embedder, document):
    db = store.open_db(":memory:")
    document_id = stored(db, *document)
    before, anchors = state(db, document_id), reviewed_links(db, document_id)
    change = review.realign(db, document_id, embedder)
    assert_sound(db, document_id)
    assert kept_all(anchors, db, document_id)
    if change.seq is None:  # nothing changed: no undo step was recorded
        assert state(db, document_id) == before
        return
    review.undo(db, document_id)
    assert state(db, document_id) == before


@FAST
@given(documents(min_links=2), st.integers(0, 20), st.sampled_from(["change", "insert", "delete"]))
def test_reimport_after_a_change_keeps_every_untouched_reviewed_row(embedder, document,
                                                                    where, change):
    source, target, rows, reviewed = document
    if not source or not target:
        return
    db = store.open_db(":memory:")
    document_id = stored(db, source, target, rows, reviewed)
    at = where % len(source)
    new_source = list(source)
    if change == "change":
        new_source[at] += " changé"
    elif change == "insert":
        new_source.insert(at, "une phrase ajoutée")
    elif len(source) > 1:
        del new_source[at]
    else:
        return
    untouched = [
        (tuple(source[i] for i in s), tuple(target[j] for j in t))
        for (s, t), keep in zip(rows, reviewed, strict=True)
        if keep and all(i < at for i in s)  # wholly before the change: certainly kept
    ]
    reimport_document(db, document_id, sentences(*new_source), sentences(*target),
                               embedder)
    assert_sound(db, document_id)
    shapes = {(tuple(s["text"] for s in pair["source"]), tuple(t["text"] for t in pair["target"]))
              for pair in store.pairs(db, document_id) if pair["status"] != Status.AUTO}
    assert set(untouched) <= shapes


OPERATIONS = ["status", "confirm_through", "merge", "split", "shift", "insert_empty",
              "edit_text", "split_sentence", "join_sentences", "undo", "redo", "realign"]
STEPS = st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 40),
                  st.sampled_from([store.SOURCE, store.TARGET]),
                  st.sampled_from([review.UP, review.DOWN]), st.integers(1, 12))


def apply(db, document_id, embedder, step) -> None:
    op, index, side, direction, offset = step
    links = store.links(db, document_id)
    link_id = links[index % len(links)]["id"]
    rows = store.sentences(db, document_id, side)
    if op in ("edit_text", "split_sentence", "join_sentences") and not rows:
        return
    sentence_id = rows[index % len(rows)]["id"] if rows else None
    actions = {
        "status": lambda: review.set_status(db, document_id, link_id),
        "confirm_through": lambda: review.confirm_through(db, document_id, link_id),
        "merge": lambda: review.merge(db, document_id, link_id, direction),
        "split": lambda: review.split(db, document_id, link_id),
        "shift": lambda: review.shift(db, document_id, link_id, side, direction),
        "insert_empty": lambda: review.insert_empty(db, document_id, link_id, side),
        "edit_text": lambda: review.edit_text(db, document_id, sentence_id, f"texte {offset}"),
        "split_sentence": lambda: review.split_sentence(db, document_id, sentence_id, offset),
        "join_sentences": lambda: review.join_sentences(db, document_id, sentence_id),
        "undo": lambda: review.undo(db, document_id),
        "redo": lambda: review.redo(db, document_id),
        "realign": lambda: review.realign(db, document_id, embedder),
    }
    anchors = reviewed_links(db, document_id) if op == "realign" else []
    try:
        actions[op]()
    except review.ReviewError:
        return
    if op == "realign":
        assert kept_all(anchors, db, document_id)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents(min_links=2), st.lists(STEPS, min_size=1, max_size=12))
def test_any_sequence_of_edits_stays_sound_and_undo_all_restores_the_start(
    embedder, document, steps
):
    db = store.open_db(":memory:")
    document_id = stored(db, *document)
    start = state(db, document_id)
    for step in steps:
        apply(db, document_id, embedder, step)
        assert_sound(db, document_id)
    while True:
        try:
            review.undo(db, document_id)
        except review.ReviewError:
            break
    assert state(db, document_id) == start
