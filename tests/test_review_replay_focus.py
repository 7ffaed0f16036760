"""An undo's focus row is the row it put back, even if a colleague's edit lands right after
it commits; finishing or reopening a document deleted meanwhile is a 404, like any edit."""

from __future__ import annotations

import contextlib

import pytest

from tests.test_review import doc, link_ids  # noqa: F401  (the `doc` fixture)
from workbench import review, store

USER = {"X-Workbench-User": "ana"}


def test_an_undo_focuses_the_row_it_restored_whatever_lands_after_it(db, db_path, doc,  # noqa: F811
                                                                      monkeypatch):
    ids = link_ids(db, doc)
    review.merge(db, doc, ids[2], review.DOWN, user="ana")  # rows 3 and 4
    colleague = store.open_db(db_path)
    original_atomic = db.atomic
    armed = [True]

    @contextlib.contextmanager
    def atomic_then_a_colleague_merges():
        with original_atomic() as database:
            yield database
        if armed and not db.conn.in_transaction:  # the undo just committed
            armed.clear()
            review.merge(colleague, doc, ids[0], review.DOWN, user="ben")  # rows 1 and 2

    monkeypatch.setattr(db, "atomic", atomic_then_a_colleague_merges)
    change = review.undo(db, doc, user="ana")
    assert not armed  # the colleague's merge did land in between
    assert change.focus_link == ids[2]


@pytest.mark.parametrize("action", ["finish", "reopen"])
def test_finishing_or_reopening_a_document_deleted_meanwhile_is_not_found(
        app, client, db_path, monkeypatch, action):
    database = store.open_db(db_path)
    document_id = store.create_document(database, "gone", [], [])
    if action == "reopen":
        review.finish(database, document_id, user="ana")
    operation = getattr(review, action)

    def deleted_first(db, document_id, **kwargs):
        store.delete_document(database, document_id)
        return operation(db, document_id, **kwargs)

    monkeypatch.setattr(review, action, deleted_first)
    answer = client.post(f"/documents/gone/{action}", json={}, headers=USER)
    assert answer.status_code == 404, answer.get_json()
    assert answer.get_json()["error"] == "not_found"
