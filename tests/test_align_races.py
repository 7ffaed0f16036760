"""A re-import or re-alignment writes nothing if the document changed while it was aligned.

Both read the document, align for a while (the model runs outside any transaction), then
write. A colleague who confirmed a row or finished the document in between must not see
the review reset to automatic, nor a finished document edited.
"""

from __future__ import annotations

import pytest

from tests.conftest import BagOfWordsEmbedder, sentences
from workbench import archive, review, store
from workbench.aligning import align_stored
from workbench.corpus import ImportRefused
from workbench.importing import create_aligned_document
from workbench.reimport import reimport_document
from workbench.status import Status
from workbench.web.errors import status_of

FRENCH = ["Le roi est mort.", "Vive le roi.", "La foule applaudit.", "Il pleut."]
ENGLISH = ["The king is dead.", "Long live the king.", "The crowd cheers.", "It rains."]


@pytest.fixture
def doc(db):
    document_id, _ = create_aligned_document(
        db, "d", sentences(*FRENCH), sentences(*ENGLISH), BagOfWordsEmbedder())
    return document_id


class ColleagueMeanwhile(BagOfWordsEmbedder):
    """An embedder during whose first call a colleague, on another connection, confirms
    row 1 and (if `finish`) marks the document finished."""

    def __init__(self, other, document_id: int, *, finish: bool, name: str | None = None):
        super().__init__()
        self.other, self.document_id, self.finish, self.pending = other, document_id, finish, True
        if name:
            self.name = name

    def encode(self, texts):
        if self.pending:
            self.pending = False
            first = store.links(self.other, self.document_id)[0]["id"]
            review.set_status(self.other, self.document_id, first, user="ana")
            if self.finish:
                review.finish(self.other, self.document_id, user="ana")
        return super().encode(texts)


def snapshot(db, document_id):
    document = db.execute("select version, finished from documents where id = ?",
                          [document_id]).fetchone()
    links = [(link["status"], link["updated_by"]) for link in store.links(db, document_id)]
    return (document, links,
            [r["state"] for r in db.query("select state from history order by seq")],
            [s["text"] for s in store.sentences(db, document_id, store.SOURCE)])


@pytest.mark.parametrize("finish", [True, False])
def test_a_reimport_refuses_when_the_document_changed_while_it_was_aligned(db, db_path, doc,
                                                                         finish):
    other = store.open_db(db_path)
    changed = sentences("Le roi est mort.", "Vive le roi.", "La foule applaudit fort.",
                        "Il pleut.")
    with pytest.raises(ImportRefused, match="changed while it was being aligned") \
            as caught:
        reimport_document(db, doc, changed, sentences(*ENGLISH),
                                   ColleagueMeanwhile(other, doc, finish=finish))
    assert status_of(caught.value) == (423 if finish else 409)
    document, links, history, french = snapshot(db, doc)
    assert links[0] == (Status.CONFIRMED, "ana")
    assert "dropped" not in history and history
    assert french == FRENCH
    assert bool(document[1]) == finish


@pytest.mark.parametrize("finish", [True, False])
def test_a_realignment_refuses_when_the_document_changed_while_it_was_aligned(db, db_path, doc,
                                                                            finish):
    other = store.open_db(db_path)
    embedder = ColleagueMeanwhile(other, doc, finish=finish, name="another-model")
    with pytest.raises(ImportRefused, match="changed while it was being aligned") \
            as caught:
        align_stored(db, doc, embedder, keep_reviewed=False)
    assert status_of(caught.value) == (423 if finish else 409)
    document, links, history, _ = snapshot(db, doc)
    assert links[0] == (Status.CONFIRMED, "ana")
    assert "dropped" not in history and history
    assert bool(document[1]) == finish


def test_the_archive_reports_such_a_refusal_as_a_failed_pair():
    # write_outcome's caller turns EXPECTED_ERRORS into a failed pair and goes on.
    assert issubclass(ImportRefused, archive.EXPECTED_ERRORS)
