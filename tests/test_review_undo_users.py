"""Issue 13: undo is per translator. Ctrl+Z undoes your own latest change, says whose change
it undid, works around colleagues' later changes to other rows, and refuses (naming them)
when a colleague later changed the same rows."""

from __future__ import annotations

import pytest

from tests.test_review import doc, link_ids, shape, state, statuses  # noqa: F401
from workbench import review, store
from workbench.status import Status


def test_undo_takes_back_your_own_change_not_a_colleagues_later_one(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0], review.DOWN, user="ana")
    review.set_status(db, doc, ids[3], Status.CONFIRMED, user="ben")
    change = review.undo(db, doc, user="ana")
    assert change.summary == "Undid: merged rows 1 and 2 (change by ana)"
    assert shape(db, doc)[:2] == [(["Un."], ["One."]), (["Deux."], ["Two."])]
    assert statuses(db, doc) == ["auto", "auto", "auto", "confirmed"]  # Ben's stays
    assert [(e["user"], e["state"]) for e in review.history(db, doc)] == [
        ("ben", "done"), ("ana", "undone")]


def test_undo_finds_your_rows_after_a_colleague_moved_them(db, doc):  # noqa: F811
    original = state(db, doc)
    ids = link_ids(db, doc)
    review.shift(db, doc, ids[2], store.TARGET, review.DOWN, user="ana")  # rows 3-4
    ana_done = state(db, doc)
    review.merge(db, doc, ids[0], review.DOWN, user="ben")  # rows 1-2: Ana's move up one
    review.undo(db, doc, user="ana")
    assert shape(db, doc) == [(["Un.", "Deux."], ["One.", "Two."]),
                              (["Trois."], ["Three."]), (["Quatre."], ["Four."])]
    review.undo(db, doc, user="ben")
    assert state(db, doc) == original
    review.redo(db, doc, user="ana")
    assert state(db, doc) == ana_done


def test_undo_is_refused_when_a_colleague_changed_the_same_rows_since(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0], review.DOWN, user="ana")
    review.set_status(db, doc, ids[0], Status.CONFIRMED, user="ben")  # the merged row
    before = state(db, doc)
    with pytest.raises(review.UndoBlocked, match="ben changed the same rows since") as caught:
        review.undo(db, doc, user="ana")
    assert caught.value.by == "ben"
    assert "Marked row 1 confirmed" in str(caught.value)
    assert state(db, doc) == before
    assert [e["state"] for e in review.history(db, doc)] == ["done", "done"]


def test_a_colleague_has_nothing_of_theirs_to_undo(db, doc):  # noqa: F811
    review.merge(db, doc, link_ids(db, doc)[0], review.DOWN, user="ana")
    with pytest.raises(review.ReviewError, match="nothing to undo: ben has no change"):
        review.undo(db, doc, user="ben")
    assert review.can_undo_redo(db, doc, "ana") == {"undo": 1, "redo": 0}
    assert review.can_undo_redo(db, doc, "ben") == {"undo": 0, "redo": 0}


def test_redo_is_yours_too_and_refused_over_a_colleagues_change(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0], review.DOWN, user="ana")
    review.undo(db, doc, user="ana")
    review.set_status(db, doc, ids[3], Status.CONFIRMED, user="ben")  # another row
    assert review.can_undo_redo(db, doc, "ana") == {"undo": 0, "redo": 1}
    with pytest.raises(review.ReviewError, match="nothing to redo"):
        review.redo(db, doc, user="ben")
    review.redo(db, doc, user="ana")  # Ben's edit did not drop Ana's redo
    assert len(shape(db, doc)) == 3
    review.undo(db, doc, user="ana")
    review.set_status(db, doc, ids[1], Status.EDITED, user="ben")  # a row the merge takes
    before = state(db, doc)
    with pytest.raises(review.UndoBlocked, match="ben changed the same rows since"):
        review.redo(db, doc, user="ana")
    assert state(db, doc) == before


def test_redo_is_refused_when_a_colleague_took_the_new_rows_ids(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0], review.DOWN, user="ana")
    review.split(db, doc, ids[0], user="ana")  # a new row, with a new id
    review.undo(db, doc, user="ana")  # that row is gone, its id free again
    review.insert_empty(db, doc, ids[3], store.SOURCE, user="ben")  # takes that id
    with pytest.raises(review.UndoBlocked, match="ben"):
        review.redo(db, doc, user="ana")


def test_a_named_change_of_someone_else_can_be_undone(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0], review.DOWN, user="ana")
    change = review.set_status(db, doc, ids[2], user="ben")
    undone = review.undo(db, doc, user="cy", seq=change.seq)
    assert undone.summary == "Undid: marked row 2 confirmed (change by ben)"
    entry = review.history(db, doc)[0]
    assert (entry["state"], entry["undone_by"]) == ("undone", "cy")
    with pytest.raises(review.ReviewError, match="already undone"):
        review.undo(db, doc, user="cy", seq=change.seq)
    assert review.redo(db, doc, user="cy").summary.startswith("Redid: marked row 2 confirmed")


def test_your_new_edit_drops_your_redo_but_not_a_colleagues(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    review.set_status(db, doc, ids[0], user="ana")
    review.set_status(db, doc, ids[1], user="ben")
    review.undo(db, doc, user="ana")
    review.undo(db, doc, user="ben")
    review.set_status(db, doc, ids[2], user="ana")
    assert review.can_undo_redo(db, doc, "ana") == {"undo": 1, "redo": 0}
    assert review.can_undo_redo(db, doc, "ben") == {"undo": 0, "redo": 1}


def test_the_api_undoes_the_requesters_change_and_counts_theirs(client, db, doc):  # noqa: F811
    ids = link_ids(db, doc)

    def post(path, user, **body):
        body.setdefault("version", store.get_document(db, "doc")["version"])
        return client.post(f"/documents/doc{path}", json=body,
                           headers={"X-Workbench-User": user})

    assert post(f"/links/{ids[0]}/merge", "ana", direction="down").status_code == 200
    answer = post(f"/links/{ids[2]}/status", "ben", status="confirmed")
    assert (answer.get_json()["undo"], answer.get_json()["redo"]) == (1, 0)
    answer = post("/undo", "ana")
    assert answer.status_code == 200
    assert answer.get_json()["summary"] == "Undid: merged rows 1 and 2 (change by ana)"
    assert (answer.get_json()["undo"], answer.get_json()["redo"]) == (0, 1)
    post(f"/links/{ids[0]}/status", "ben", status="confirmed")
    assert post("/redo", "ana").status_code == 409
    blocked = post("/redo", "ana").get_json()
    assert blocked["error"] == "undo_conflict" and blocked["by"] == "ben"
    state_json = client.get("/documents/doc/state.json").get_json()
    assert state_json["undo_by_user"]["ben"] == {"undo": 2, "redo": 0}
    history = client.get("/documents/doc/history.json", headers={"X-Workbench-User": "ana"})
    assert (history.get_json()["undo"], history.get_json()["redo"]) == (0, 1)
