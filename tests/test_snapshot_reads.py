"""Pages, JSON states and exports read links and sentences from one state of the database.

Issue 12, item 6: `GET state.json` during edits failed with KeyError: links and sentences
were read in separate statements, and an edit committed in between.
"""

from __future__ import annotations

import pytest

from tests.conftest import one_to_one_document
from workbench import review, store
from workbench.export_source import ExportRequest, build_export
from workbench.web import review as review_web


@pytest.fixture
def doc(db):
    return one_to_one_document(db, "doc", ["Un.", "Deux.", "Trois quatre.", "Cinq."],
                               ["One.", "Two.", "Three four.", "Five."])


def edit_between_statements(db, db_path, doc, pattern: str, edit) -> None:
    """Just before `db` runs its first statement containing `pattern`, a colleague's edit
    (on another connection) commits."""
    other = store.open_db(db_path)
    pending = [True]

    def tracer(sql, params):
        if pending and pattern in sql:
            pending.clear()
            edit(other, doc)
            other.close()

    db._tracer = tracer


def join_first_two(other, doc):
    review.join_sentences(other, doc, store.sentences(other, doc, store.SOURCE)[0]["id"])


def split_third(other, doc):
    review.split_sentence(other, doc, store.sentences(other, doc, store.SOURCE)[2]["id"], 6)


def test_the_editor_state_is_read_from_one_state(db, db_path, doc):
    edit_between_statements(db, db_path, doc, "from sentences", join_first_two)
    pairs = review_web.all_pairs_json(db, doc)
    assert [[s["text"] for s in pair["source"]] for pair in pairs] == \
        [["Un."], ["Deux."], ["Trois quatre."], ["Cinq."]]


def test_pairs_are_read_from_one_state(db, db_path, doc):
    edit_between_statements(db, db_path, doc, "links", split_third)
    pairs = store.pairs(db, doc)
    assert [[s["text"] for s in pair["source"]] for pair in pairs] == \
        [["Un."], ["Deux."], ["Trois quatre."], ["Cinq."]]


def test_an_export_is_read_from_one_state(db, db_path, doc):
    edit_between_statements(db, db_path, doc, "links", split_third)
    export = build_export(db, ExportRequest(format="tsv", document="doc"))
    text = b"".join(content for _, content in export.rendered.files).decode()
    assert "Trois quatre." in text


def test_a_snapshot_sees_nothing_committed_after_its_first_read(db, db_path, doc):
    other = store.open_db(db_path)
    with store.snapshot(db):
        before = db.execute("select count(*) from sentences").fetchone()[0]
        join_first_two(other, doc)
        assert db.execute("select count(*) from sentences").fetchone()[0] == before
    assert db.execute("select count(*) from sentences").fetchone()[0] == before - 1
    other.close()
