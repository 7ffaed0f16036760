"""Issue 15: a correction and the re-alignment it sets off are one step: one undo takes back
both, one redo puts back both, and the history shows them as one line. Also: confirm every
automatic row above a confidence threshold, as one step."""

from __future__ import annotations

import pytest

from workbench import review, store
from workbench.status import Status

from .test_realign_around import WORDS, badly_aligned
from .test_review import doc, link_ids, positions_are_dense, shape, state, statuses  # noqa: F401


def correct_then_realign(db, document_id, embedder, user="ana"):
    """Split the wrongly merged row 2 (as the editor does), then re-align around it, joined."""
    correction = review.split(db, document_id, link_ids(db, document_id)[1], user=user)
    rows = [link["id"] for link in store.links(db, document_id)[1:3]]
    follow_up = review.realign_around(db, document_id, rows, embedder, user=user,
                                      version=correction.version, joins=correction.seq)
    return correction, follow_up


def test_the_follow_up_records_which_change_it_completes(db, fake_embedder):
    doc_id, _, _ = badly_aligned(db)
    correction, follow_up = correct_then_realign(db, doc_id, fake_embedder)
    assert follow_up.seq == correction.seq + 1 and follow_up.changed_links
    joins = dict(db.execute("select seq, joins from history where document_id = ?",
                            [doc_id]).fetchall())
    assert joins == {correction.seq: None, follow_up.seq: correction.seq}


def test_one_undo_takes_back_the_correction_and_its_realignment(db, fake_embedder):
    doc_id, _, _ = badly_aligned(db)
    before = state(db, doc_id)
    correct_then_realign(db, doc_id, fake_embedder)
    # the split leaves row 3 French alone (reviewed); the rows below it are repaired
    assert shape(db, doc_id)[2:] == [([WORDS[2]], []), ([], [WORDS[2]])] + [
        ([t], [t]) for t in WORDS[3:]]
    after = state(db, doc_id)
    assert review.can_undo_redo(db, doc_id, "ana") == {"undo": 1, "redo": 0}
    change = review.undo(db, doc_id, user="ana")
    assert state(db, doc_id) == before
    assert change.summary.startswith("Undid: split row 2 into 2 rows")
    assert review.can_undo_redo(db, doc_id, "ana") == {"undo": 0, "redo": 1}
    # the span tells the page which rows to patch: those reshaped (row 1 was only re-scored)
    assert (change.links.start, change.links.stop_before, change.links.stop_after) == (1, 7, 5)
    assert before["links"][0]["id"] in {row["id"] for row in change.scores}
    change = review.redo(db, doc_id, user="ana")
    assert state(db, doc_id) == after
    assert (change.links.start, change.links.stop_before, change.links.stop_after) == (1, 5, 7)
    assert review.can_undo_redo(db, doc_id, "ana") == {"undo": 1, "redo": 0}
    positions_are_dense(db, doc_id)


def test_undoing_either_entry_by_number_undoes_the_whole_step(db, fake_embedder):
    doc_id, _, _ = badly_aligned(db)
    before = state(db, doc_id)
    _, follow_up = correct_then_realign(db, doc_id, fake_embedder)
    review.undo(db, doc_id, user="ben", seq=follow_up.seq)  # from the history, by a colleague
    assert state(db, doc_id) == before
    assert [e["state"] for e in review.history(db, doc_id)] == ["undone"]


def test_the_history_lists_a_correction_and_its_realignment_as_one_step(db, fake_embedder):
    doc_id, _, _ = badly_aligned(db)
    correction, follow_up = correct_then_realign(db, doc_id, fake_embedder)
    (entry,) = review.history(db, doc_id)
    assert entry["seq"] == correction.seq
    new = len(follow_up.changed_links)
    assert entry["summary"] == f"Split row 2 into 2 rows, and re-aligned {new} rows"
    event = review.last_event(db, doc_id)
    assert event["seq"] == correction.seq and event["summary"] == entry["summary"]


def test_a_colleagues_later_change_to_the_realigned_rows_blocks_the_whole_step(
        db, fake_embedder):
    doc_id, _, _ = badly_aligned(db)
    _, follow_up = correct_then_realign(db, doc_id, fake_embedder, user="ana")
    review.set_status(db, doc_id, follow_up.changed_links[0], Status.CONFIRMED, user="ben")
    blocked = state(db, doc_id)
    with pytest.raises(review.UndoBlocked, match="ben changed the same rows"):
        review.undo(db, doc_id, user="ana")
    assert state(db, doc_id) == blocked  # neither half undone
    assert [e["state"] for e in review.history(db, doc_id)] == ["done", "done"]


def test_a_row_the_realignment_only_rescored_is_not_claimed_by_the_step(db, fake_embedder):
    doc_id, _, _ = badly_aligned(db)
    first = store.links(db, doc_id)[0]
    _, follow_up = correct_then_realign(db, doc_id, fake_embedder, user="ana")
    assert first["id"] not in follow_up.changed_links
    assert store.links(db, doc_id)[0]["score"] != first["score"]  # re-scored in place
    review.set_status(db, doc_id, first["id"], Status.CONFIRMED, user="ben")
    review.undo(db, doc_id, user="ana")  # not blocked by Ben's confirmation
    row = store.links(db, doc_id)[0]
    assert (row["id"], row["status"], row["score"]) == (first["id"], "confirmed",
                                                         first["score"])
    assert len(store.links(db, doc_id)) == 5


def test_a_colleagues_change_elsewhere_leaves_ana_her_joined_step(db, fake_embedder):
    doc_id, _, _ = badly_aligned(db, reviewed_at=3)
    before_ana = state(db, doc_id)
    correct_then_realign(db, doc_id, fake_embedder, user="ana")
    review.set_status(db, doc_id, link_ids(db, doc_id)[-1], Status.CONFIRMED, user="ben")
    assert review.can_undo_redo(db, doc_id, "ana") == {"undo": 1, "redo": 0}
    review.undo(db, doc_id, user="ana")
    assert statuses(db, doc_id)[-1] == "confirmed"  # Ben's stays
    assert state(db, doc_id)["links"][:-1] == before_ana["links"][:-1]
    review.redo(db, doc_id, user="ana")
    assert shape(db, doc_id)[2:4] == [([WORDS[2]], []), ([], [WORDS[2]])]


def test_only_your_own_done_change_can_be_joined(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    mine = review.merge(db, doc, ids[0], user="ana")

    def confirm(edit):
        (row,) = edit.statuses(1, 2)
        edit.set_statuses([edit.touched(row, Status.CONFIRMED)])
        return "Marked row 2 confirmed", None

    with pytest.raises(review.ReviewError, match="not a change of ben"):
        review.run(db, doc, "status", confirm, user="ben", joins=mine.seq)
    review.undo(db, doc, user="ana")
    with pytest.raises(review.ReviewError, match="undone"):
        review.run(db, doc, "status", confirm, user="ana", joins=mine.seq)
    with pytest.raises(review.NotFound):
        review.run(db, doc, "status", confirm, user="ana", joins=99)


def test_confirm_above_confirms_the_automatic_rows_scoring_at_least_the_threshold(db, doc):  # noqa: F811
    # scores 0.9, 0.4, 0.7, 0.2; row 3 is edited by hand already
    review.set_status(db, doc, link_ids(db, doc)[2], Status.EDITED, user="ana")
    before = state(db, doc)
    change = review.confirm_above(db, doc, 0.4, user="ana")
    assert statuses(db, doc) == ["confirmed", "confirmed", "edited", "auto"]
    assert change.op == "confirm_above"
    assert change.summary == "Confirmed the 2 automatic rows scoring 0.40 or more " \
                             "(about 0.7 expected wrong)"
    assert {row["id"] for row in change.statuses} == set(link_ids(db, doc)[:2])
    review.undo(db, doc, user="ana")
    assert state(db, doc) == before
    with pytest.raises(review.ReviewError, match="no automatic row scores 0.95 or more"):
        review.confirm_above(db, doc, 0.95, user="ana")
    with pytest.raises(review.ReviewError, match="between 0 and 1"):
        review.confirm_above(db, doc, 1.5, user="ana")


def test_confirm_above_leaves_rows_without_a_score(db, doc):  # noqa: F811
    db.execute("update links set score = null where id = ?", [link_ids(db, doc)[0]])
    review.confirm_above(db, doc, 0.0, user="ana")
    assert statuses(db, doc) == ["auto", "confirmed", "confirmed", "confirmed"]
