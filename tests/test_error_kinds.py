"""Domain errors name a kind of failure; the web layer's one table turns kinds into statuses."""

from datetime import UTC, datetime

import pytest

from workbench import review, store, user_store
from workbench.errors import DomainError, ErrorKind
from workbench.export import ExportError, NothingToExport
from workbench.export_source import UnknownDocument
from workbench.glossary import GlossaryFormatError
from workbench.readers import FileTooLarge, ReadError, TooManyParagraphs, WrongLanguage
from workbench.store import glossary as glossary_store
from workbench.terms import QueryError
from workbench.web.errors import STATUS_OF_KIND, status_of


def test_every_kind_has_a_status():
    assert set(STATUS_OF_KIND) == set(ErrorKind)


@pytest.mark.parametrize(("error", "status"), [
    (ReadError("unreadable"), 400),
    (WrongLanguage("not French"), 400),
    (FileTooLarge("too big"), 413),
    (TooManyParagraphs("a.txt", 10), 413),
    (review.ReviewError("nothing to merge"), 400),
    (review.NotFound("no row"), 404),
    (review.DocumentFinished("finished"), 423),
    (review.Conflict(1, 2), 409),
    (review.UndoBlocked("changed since", "Ana"), 409),
    (store.DocumentExists("exists"), 409),
    (store.DocumentFinished("finished"), 423),
    (store.DatabaseBusy(5), 503),
    (glossary_store.GlossaryError("needs both terms"), 400),
    (glossary_store.GlossaryError("no glossary entry 3", kind=ErrorKind.NOT_FOUND), 404),
    (glossary_store.DuplicateEntry({"source_term": "a", "target_term": "b", "note": ""}, ""),
     409),
    (GlossaryFormatError("line 2"), 400),
    (ExportError("unknown format"), 400),
    (NothingToExport("nothing"), 404),
    (UnknownDocument("no such document"), 404),
    (QueryError("nothing to search for"), 400),
    (user_store.AccountError("bad role"), 400),
    (user_store.UnknownAccount("nobody"), 404),
    (user_store.AccountExists("twice"), 409),
    (user_store.LoginRefused("wrong"), 401),
    (user_store.AccountLocked("ana", datetime.now(UTC)), 429),
])
def test_each_domain_error_keeps_its_status(error, status):
    assert isinstance(error, DomainError)
    assert status_of(error) == status


def test_a_domain_error_no_view_caught_is_answered_with_its_kind(app):
    def finished():
        raise review.DocumentFinished("this document is finished")

    app.add_url_rule("/test-finished.json", "test_finished", finished)
    response = app.test_client().get("/test-finished.json")
    assert response.status_code == 423
    assert response.get_json() == {"error": "locked", "message": "this document is finished",
                                   "status": 423}
