"""Re-aligning only the stretches a correction touches gives the rows of a whole re-alignment."""

from workbench import review, store
from workbench.align import Link, align, align_spans_holding, document_vectors
from workbench.vector_memo import VectorMemo

from .test_realign_around import WORDS, badly_aligned
from .test_review import shape

SOURCE = [*WORDS, "le chat dort encore", "la pluie tombe fort", "le vent tombe"]
TARGET = [*WORDS, "la pluie tombe fort", "le chat dort encore", "le vent tombe"]


def test_the_stretches_holding_the_positions_are_aligned_as_in_the_whole(fake_embedder):
    anchors = [Link((2,), (2,)), Link((6,), (7,))]
    whole = align(SOURCE, TARGET, fake_embedder, anchors=anchors)
    assert align_spans_holding(SOURCE, TARGET, fake_embedder, anchors=anchors,
                               positions=(range(len(SOURCE)), ())) == whole
    # only the middle stretch (3..5 / 3..6) and the anchors: the side offsets are still those
    # of the whole document, so its links are exactly the whole alignment's
    middle = align_spans_holding(SOURCE, TARGET, fake_embedder, anchors=anchors,
                                 positions=({4}, ()))
    inside = [link for link in whole if link.source and 3 <= link.source[0] < 6
              or link.target and 3 <= link.target[0] < 7 and not link.source]
    assert middle == [anchors[0], *inside, anchors[1]]
    vectors = document_vectors(SOURCE, TARGET, fake_embedder)
    assert align_spans_holding(SOURCE, TARGET, fake_embedder, anchors=anchors,
                               positions=({4}, ()), vectors=vectors) == middle


def test_the_memo_gives_the_same_rows_and_fetches_the_vectors_once(db, fake_embedder):
    memo = VectorMemo()
    doc, _, _ = badly_aligned(db, reviewed_at=3)
    review.realign_around(db, doc, [store.links(db, doc)[0]["id"]], fake_embedder,
                          user="ana", memo=memo)
    with_memo = shape(db, doc)
    review.undo(db, doc, user="ana")
    review.realign_around(db, doc, [store.links(db, doc)[0]["id"]], fake_embedder, user="ana")
    assert shape(db, doc) == with_memo
    review.undo(db, doc, user="ana")
    review.realign_around(db, doc, [store.links(db, doc)[0]["id"]], fake_embedder,
                          user="ana", memo=memo)
    assert memo.misses == 2  # the vectors and the statistics, computed once each


def test_the_memo_sees_a_changed_text(fake_embedder):
    memo = VectorMemo(size=1)
    memo.vectors(SOURCE, TARGET, fake_embedder)
    memo.vectors(SOURCE, TARGET, fake_embedder)
    memo.vectors([*SOURCE[:-1], "le vent souffle fort"], TARGET, fake_embedder)
    assert (memo.hits, memo.misses) == (1, 2)


def test_rows_beyond_reach_stay_as_they_are(db, fake_embedder):
    doc, _, _ = badly_aligned(db, reviewed_at=0)
    before = shape(db, doc)
    review.realign_around(db, doc, [store.links(db, doc)[0]["id"]], fake_embedder,
                          user="ana", reach=1)
    after = shape(db, doc)
    # only row 1 (French 2-3 against English 2) was within reach: its sentences are
    # re-paired among themselves; the rows after it are untouched, wrong as they were
    assert after[0] == before[0] and after[-3:] == before[-3:]
    assert after[1:-3] == [([WORDS[1]], [WORDS[1]]), ([WORDS[2]], [])]
    review.realign_around(db, doc, [store.links(db, doc)[0]["id"]], fake_embedder,
                          user="ana", reach=None)
    assert shape(db, doc) == [([t], [t]) for t in WORDS]


def test_only_the_changes_a_correction_reaches_are_taken():
    """Rows 1-5 of a run re-aligned all 1-1: the block touching the corrected row is taken,
    the block beyond row 3 (which came out the same) is not the correction's doing."""
    from workbench.align import Link
    from workbench.review import changes_reaching

    old = [Link((1, 2), (1,)), Link((3,), (2, 3)), Link((4,), (4,)), Link((5, 6), (5,)),
           Link((7,), (6, 7))]
    new = [Link((k,), (k,)) for k in range(1, 8)]
    near_start = changes_reaching(old, new, 1, {0})  # the corrected row just before the run
    assert [(link.source, link.target) for link in near_start] == [
        ((1,), (1,)), ((2,), (2,)), ((3,), (3,)), ((4,), (4,)), ((5, 6), (5,)), ((7,), (6, 7))]
    near_end = changes_reaching(old, new, 1, {6})  # the corrected row just after it
    assert [(link.source, link.target) for link in near_end] == [
        ((1, 2), (1,)), ((3,), (2, 3)), ((4,), (4,)), ((5,), (5,)), ((6,), (6,)),
        ((7,), (7,))]
    assert changes_reaching(old, new, 1, {3}) == new  # inside the run: both blocks touch it
    assert changes_reaching(old, new, 1, {9}) == old  # out of reach: nothing changes


def test_the_follow_up_to_a_correction_reaches_only_so_far(db, fake_embedder, monkeypatch):
    """`realign_follow_up` (the editor's and the simulated review's) leaves the automatic rows
    beyond `FOLLOW_UP_REACH` as they are: a first correction on a long unreviewed document
    does not re-align all of it."""
    doc, _, _ = badly_aligned(db, reviewed_at=0)
    far = store.links(db, doc)[3:]  # the wrong 1-2 and the 1-0 after it, 3 and 4 rows away
    monkeypatch.setattr(review, "FOLLOW_UP_REACH", 1)
    review.realign_follow_up(db, doc, [store.links(db, doc)[0]["id"]], fake_embedder)
    assert store.links(db, doc)[-2:] == [dict(row, position=row["position"] + 1)
                                         for row in far]
