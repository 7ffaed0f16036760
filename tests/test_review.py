"""Each review operation's effect on the stored links, and undo restoring the exact state."""

from __future__ import annotations

import pytest

from tests.conftest import sentences
from workbench import review, store
from workbench.status import Status


def state(db, document_id):
    """Everything an edit may touch, row for row, ids and timestamps included."""
    return {
        "links": [dict(r) for r in db["links"].rows_where(
            "document_id = ?", [document_id], order_by="position")],
        "sentences": [dict(r) for r in db["sentences"].rows_where(
            "document_id = ?", [document_id], order_by="side, position")],
    }


def shape(db, document_id):
    """The links as lists of sentence texts: [(['Le roi…'], ['The king…']), …]."""
    return [
        ([s["text"] for s in pair["source"]], [t["text"] for t in pair["target"]])
        for pair in store.pairs(db, document_id)
    ]


def statuses(db, document_id):
    return [link["status"] for link in store.links(db, document_id)]


def positions_are_dense(db, document_id):
    for side in (store.SOURCE, store.TARGET):
        rows = store.sentences(db, document_id, side)
        assert [r["position"] for r in rows] == list(range(len(rows)))
    assert [r["position"] for r in store.links(db, document_id)] == list(
        range(len(store.links(db, document_id))))


@pytest.fixture
def doc(make_document):
    """Four 1-1 rows over two paragraphs."""
    source = sentences("Un.", "Deux.") + sentences("Trois.", "Quatre.", paragraph=1)
    target = sentences("One.", "Two.") + sentences("Three.", "Four.", paragraph=1)
    return make_document("doc", source, target, scores=(0.9, 0.4, 0.7, 0.2))


def link_ids(db, document_id):
    return [link["id"] for link in store.links(db, document_id)]


def sentence_id(db, document_id, side, position):
    return store.sentences(db, document_id, side)[position]["id"]


def check_undo_redo(db, document_id, before):
    """Undo gives back exactly `before`; redo gives back exactly the edited state."""
    after = state(db, document_id)
    assert after != before
    review.undo(db, document_id, user="ana")
    assert state(db, document_id) == before
    review.redo(db, document_id, user="ana")
    assert state(db, document_id) == after
    positions_are_dense(db, document_id)


def test_confirm_marks_one_row_with_user_and_time(db, doc):
    before = state(db, doc)
    second = link_ids(db, doc)[1]
    change = review.set_status(db, doc, second, Status.CONFIRMED, user="ana")
    assert statuses(db, doc) == ["auto", "confirmed", "auto", "auto"]
    link = store.links(db, doc)[1]
    assert link["updated_by"] == "ana" and link["updated"]
    assert change.links is None
    assert [(s["id"], s["status"]) for s in change.statuses] == [(second, "confirmed")]
    check_undo_redo(db, doc, before)


def test_confirm_through_confirms_this_row_and_all_above_but_keeps_edited(db, doc):
    ids = link_ids(db, doc)
    review.set_status(db, doc, ids[0], Status.EDITED, user="bo")
    before = state(db, doc)
    review.confirm_through(db, doc, ids[2], user="ana")
    assert statuses(db, doc) == ["edited", "confirmed", "confirmed", "auto"]
    check_undo_redo(db, doc, before)
    with pytest.raises(review.ReviewError, match="all reviewed already"):
        review.confirm_through(db, doc, ids[1])


def test_merge_with_next_and_previous(db, doc):
    before = state(db, doc)
    ids = link_ids(db, doc)
    change = review.merge(db, doc, ids[1], review.DOWN, user="ana")
    assert shape(db, doc) == [
        (["Un."], ["One."]), (["Deux.", "Trois."], ["Two.", "Three."]), (["Quatre."], ["Four."])
    ]
    assert statuses(db, doc)[1] == "edited"
    assert change.focus_link == ids[1]
    check_undo_redo(db, doc, before)
    review.merge(db, doc, ids[3], review.UP, user="ana")
    assert shape(db, doc)[-1] == (["Deux.", "Trois.", "Quatre."], ["Two.", "Three.", "Four."])


def test_merge_at_the_edges_is_a_clear_error_and_changes_nothing(db, doc):
    before = state(db, doc)
    ids = link_ids(db, doc)
    with pytest.raises(review.ReviewError, match="no row above"):
        review.merge(db, doc, ids[0], review.UP)
    with pytest.raises(review.ReviewError, match="no row below"):
        review.merge(db, doc, ids[-1], review.DOWN)
    assert state(db, doc) == before


def test_split_a_multi_sentence_row_into_pairs(db, doc):
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0], review.DOWN)
    review.shift(db, doc, ids[0], store.TARGET, review.DOWN)
    assert shape(db, doc)[0] == (["Un.", "Deux."], ["One."])
    before = state(db, doc)
    review.split(db, doc, ids[0], user="ana")
    assert shape(db, doc)[:2] == [(["Un."], ["One."]), (["Deux."], [])]
    check_undo_redo(db, doc, before)


def test_split_a_one_to_one_row_is_refused(db, doc):
    with pytest.raises(review.ReviewError, match="nothing to split"):
        review.split(db, doc, link_ids(db, doc)[0])


def test_shift_a_sentence_down_and_up_on_either_side(db, doc):
    before = state(db, doc)
    ids = link_ids(db, doc)
    review.shift(db, doc, ids[0], store.TARGET, review.DOWN, user="ana")
    assert shape(db, doc)[:2] == [(["Un."], []), (["Deux."], ["One.", "Two."])]
    check_undo_redo(db, doc, before)
    review.shift(db, doc, ids[1], store.SOURCE, review.UP, user="ana")
    assert shape(db, doc)[:2] == [(["Un.", "Deux."], []), ([], ["One.", "Two."])]


def test_shift_removes_a_row_left_empty(db, doc):
    ids = link_ids(db, doc)
    review.shift(db, doc, ids[1], store.TARGET, review.UP, user="ana")
    before = state(db, doc)
    review.shift(db, doc, ids[1], store.SOURCE, review.UP, user="ana")
    assert shape(db, doc)[:2] == [(["Un.", "Deux."], ["One.", "Two."]), (["Trois."], ["Three."])]
    assert ids[1] not in link_ids(db, doc)
    check_undo_redo(db, doc, before)


def test_shift_past_the_edges_is_refused(db, doc):
    """Issue 13: a shift with no row to take the sentence broke a correct pair in two
    (see tests/test_review_edges.py for every operation at both edges)."""
    ids = link_ids(db, doc)
    before = state(db, doc)
    with pytest.raises(review.ReviewError, match="no row below"):
        review.shift(db, doc, ids[-1], store.SOURCE, review.DOWN)
    with pytest.raises(review.ReviewError, match="no row above"):
        review.shift(db, doc, ids[0], store.TARGET, review.UP)
    assert state(db, doc) == before


def test_insert_empty_counterpart(db, doc):
    before = state(db, doc)
    ids = link_ids(db, doc)
    review.insert_empty(db, doc, ids[1], store.SOURCE, user="ana")
    assert shape(db, doc)[1:3] == [(["Deux."], []), ([], ["Two."])]
    assert statuses(db, doc)[1:3] == ["edited", "auto"]
    check_undo_redo(db, doc, before)
    with pytest.raises(review.ReviewError, match="already has an empty side"):
        review.insert_empty(db, doc, ids[1], store.TARGET)


def test_edit_text_fixes_a_typo_and_marks_the_row_edited(db, doc):
    before = state(db, doc)
    sid = sentence_id(db, doc, store.TARGET, 1)
    review.edit_text(db, doc, sid, "  Too\n typo. ", user="ana")
    assert shape(db, doc)[1] == (["Deux."], ["Too typo."])
    assert statuses(db, doc)[1] == "edited"
    check_undo_redo(db, doc, before)
    with pytest.raises(review.ReviewError, match="cannot be empty"):
        review.edit_text(db, doc, sid, "   ")


def test_split_sentence_at_the_cursor_renumbers_the_side(db, doc):
    db.execute("update sentences set text = 'Deux. Et demi.' where text = 'Deux.'")
    db.conn.commit()
    before = state(db, doc)
    sid = sentence_id(db, doc, store.SOURCE, 1)
    review.split_sentence(db, doc, sid, len("Deux."), user="ana")
    assert shape(db, doc)[1] == (["Deux.", "Et demi."], ["Two."])
    rows = store.sentences(db, doc, store.SOURCE)
    assert [r["text"] for r in rows] == ["Un.", "Deux.", "Et demi.", "Trois.", "Quatre."]
    assert rows[2]["paragraph"] == 0 and rows[3]["paragraph"] == 1
    check_undo_redo(db, doc, before)


def test_split_sentence_copies_columns_other_modules_added(db, doc):
    db["sentences"].add_column("footnote", str)
    db.execute("update sentences set footnote = 'n1', text = 'A. B.' where text = 'Deux.'")
    db.conn.commit()
    sid = sentence_id(db, doc, store.SOURCE, 1)
    review.split_sentence(db, doc, sid, 2)
    rows = store.sentences(db, doc, store.SOURCE)
    assert [(r["text"], r["footnote"]) for r in rows[1:3]] == [("A.", "n1"), ("B.", "n1")]


def test_split_sentence_needs_text_on_both_sides_of_the_cursor(db, doc):
    with pytest.raises(review.ReviewError, match="inside the sentence"):
        review.split_sentence(db, doc, sentence_id(db, doc, store.SOURCE, 0), 0)


def test_join_sentences_in_one_row_and_across_rows(db, doc):
    before = state(db, doc)
    review.join_sentences(db, doc, sentence_id(db, doc, store.TARGET, 0), user="ana")
    assert shape(db, doc)[:2] == [(["Un."], ["One. Two."]), (["Deux."], [])]
    assert [r["position"] for r in store.sentences(db, doc, store.TARGET)] == [0, 1, 2]
    check_undo_redo(db, doc, before)
    # a row emptied by the join disappears
    review.join_sentences(db, doc, sentence_id(db, doc, store.SOURCE, 0))
    assert shape(db, doc)[:2] == [(["Un. Deux."], ["One. Two."]), (["Trois."], ["Three."])]


def test_join_the_last_sentence_is_refused(db, doc):
    with pytest.raises(review.ReviewError, match="last one"):
        review.join_sentences(db, doc, sentence_id(db, doc, store.SOURCE, 3))


def test_stale_version_is_a_conflict_and_nothing_changes(db, doc):
    version = store.get_document(db, "doc")["version"]
    ids = link_ids(db, doc)
    change = review.set_status(db, doc, ids[0], user="ana", version=version)
    assert change.version == version + 1
    before = state(db, doc)
    with pytest.raises(review.Conflict, match="changed by someone else") as caught:
        review.merge(db, doc, ids[1], user="bo", version=version)
    assert caught.value.current == version + 1
    assert state(db, doc) == before
    assert store.get_document(db, "doc")["version"] == version + 1


def test_an_edit_that_fails_half_way_leaves_the_document_as_it_was(db, db_path, doc):
    """The version bump, the new rows and the history entry land together or not at all."""
    before = state(db, doc)
    version = store.get_document(db, "doc")["version"]

    def broken_scorer(source, target):
        raise RuntimeError("the scorer broke after the edit had begun")

    with pytest.raises(RuntimeError, match="scorer broke"):
        review.merge(db, doc, link_ids(db, doc)[0], version=version, scorer=broken_scorer)
    other = store.open_db(db_path)  # what a colleague's page would read
    assert state(other, doc) == before
    assert store.get_document(other, "doc")["version"] == version
    assert review.history(other, doc) == []
    other.close()


def test_several_undos_and_redos_walk_the_history(db, doc):
    states = [state(db, doc)]
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0])
    states.append(state(db, doc))
    review.split(db, doc, ids[0])
    states.append(state(db, doc))
    review.confirm_through(db, doc, ids[2])
    states.append(state(db, doc))
    for expected in reversed(states[:-1]):
        review.undo(db, doc)
        assert state(db, doc) == expected
    with pytest.raises(review.ReviewError, match="nothing to undo"):
        review.undo(db, doc)
    for expected in states[1:]:
        review.redo(db, doc)
        assert state(db, doc) == expected
    with pytest.raises(review.ReviewError, match="nothing to redo"):
        review.redo(db, doc)


def test_a_new_edit_after_undo_drops_the_redo(db, doc):
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0])
    review.undo(db, doc)
    review.set_status(db, doc, ids[3])
    assert review.can_undo_redo(db, doc) == {"undo": 1, "redo": 0}
    with pytest.raises(review.ReviewError, match="nothing to redo"):
        review.redo(db, doc)


def test_history_records_who_did_what_and_when(db, doc):
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0], user="ana")
    change = review.set_status(db, doc, ids[2], user="bo")
    review.undo(db, doc, user="cy", seq=change.seq)  # cy undoes bo's change, by name
    entries = review.history(db, doc)
    assert [(e["op"], e["user"], e["state"]) for e in entries] == [
        ("status", "bo", "undone"), ("merge", "ana", "done")]
    assert entries[0]["undone_by"] == "cy"
    assert entries[1]["summary"] == "Merged rows 1 and 2"
    assert entries[1]["time"].endswith("Z")


def test_history_survives_reopening_the_database(db_path, db, doc):
    ids = link_ids(db, doc)
    before = state(db, doc)
    review.merge(db, doc, ids[0])
    db.close()
    reopened = store.open_db(db_path)
    review.undo(reopened, doc)
    assert state(reopened, doc) == before
    reopened.close()


def test_realign_keeps_confirmed_rows_as_anchors_and_unchanged_rows_their_ids(
    db, fake_embedder
):
    source = sentences("le chat dort", "le chien court", "la pluie tombe", "le soleil brille")
    target = sentences("le chat dort", "le chien court", "la pluie tombe", "le soleil brille")
    doc = store.create_document(db, "same", source, target)
    src = store.sentences(db, doc, store.SOURCE)
    tgt = store.sentences(db, doc, store.TARGET)
    # a bad automatic alignment, with the first row confirmed
    store.replace_links(db, doc, [
        {"source_ids": [src[0]["id"]], "target_ids": [tgt[0]["id"]], "status": "confirmed"},
        {"source_ids": [src[1]["id"], src[2]["id"]], "target_ids": [tgt[1]["id"]]},
        {"source_ids": [src[3]["id"]], "target_ids": [tgt[2]["id"], tgt[3]["id"]]},
    ])
    confirmed = store.links(db, doc)[0]
    before = state(db, doc)
    review.realign(db, doc, fake_embedder, user="ana")
    assert shape(db, doc) == [([t], [t]) for t in
                              ("le chat dort", "le chien court", "la pluie tombe",
                               "le soleil brille")]
    assert store.links(db, doc)[0] == confirmed
    assert statuses(db, doc) == ["confirmed", "auto", "auto", "auto"]
    check_undo_redo(db, doc, before)
    ids = link_ids(db, doc)
    review.realign(db, doc, fake_embedder)
    assert link_ids(db, doc) == ids


def test_reshaped_rows_are_rescored_when_a_scorer_is_given(db, doc):
    def shape_score(source, target):  # a stand-in that shows which texts it was given
        return len(source) / 10 + len(target) / 100

    ids = link_ids(db, doc)
    review.merge(db, doc, ids[0], scorer=shape_score)
    assert [link["score"] for link in store.links(db, doc)] == [0.22, 0.7, 0.2]
    review.shift(db, doc, ids[2], store.TARGET, review.UP, scorer=shape_score)
    assert [link["score"] for link in store.links(db, doc)] == [0.23, 0.1, 0.2]
    review.edit_text(db, doc, sentence_id(db, doc, store.SOURCE, 3), "Quatre !",
                     scorer=lambda source, target: 0.25 if source == ["Quatre !"] else 0)
    assert store.links(db, doc)[-1]["score"] == 0.25
    # without a scorer a reshaped row has no score rather than a stale one
    review.merge(db, doc, ids[0])
    assert store.links(db, doc)[0]["score"] is None


def test_replacing_the_links_wholesale_ends_the_undo_history(db, doc):
    review.merge(db, doc, link_ids(db, doc)[0], user="ana")
    store.replace_links(db, doc, [
        {"source_ids": link["source_ids"], "target_ids": link["target_ids"]}
        for link in store.links(db, doc)
    ])
    with pytest.raises(review.ReviewError, match="nothing to undo"):
        review.undo(db, doc)
    assert [(e["op"], e["state"]) for e in review.history(db, doc)] == [("merge", "dropped")]


def test_realign_on_a_stale_version_is_refused_before_any_embedding(db, doc, fake_embedder):
    current = store.get_document(db, "doc")["version"]
    with pytest.raises(review.Conflict):
        review.realign(db, doc, fake_embedder, version=current - 1)
    assert fake_embedder.calls == 0
