"""Issue 13: material with no counterpart by design ("not for translation") has a status of
its own, set on what a compilation split leaves unmatched, outside progress and exports,
and settable on a whole range of rows in one undoable step."""

from __future__ import annotations

import pytest

from tests.conftest import sentences
from tests.test_compilation import _no_language_check
from tests.test_review import doc, link_ids, state, statuses  # noqa: F401  (the `doc` fixture)
from workbench import review, store
from workbench.compilation_import import import_compilation
from workbench.corpus import InputFile
from workbench.export_source import document_pairs
from workbench.status import Status

USER = {"X-Workbench-User": "ana"}


def test_statuses_are_one_enum_shared_by_store_review_and_export():
    from workbench import export

    assert [s.value for s in Status] == ["auto", "confirmed", "edited", "excluded"]
    assert not any(hasattr(module, name) for module in (store, export)
               for name in ("AUTO", "CONFIRMED", "EDITED", "EXCLUDED"))
    assert set(review.STATUSES) == set(Status)


def test_a_range_of_rows_is_marked_in_one_undoable_step(db, doc):  # noqa: F811
    before = state(db, doc)
    ids = link_ids(db, doc)
    change = review.set_status_range(db, doc, ids[2], ids[1], Status.EXCLUDED, user="ana")
    assert statuses(db, doc) == ["auto", "excluded", "excluded", "auto"]
    assert change.summary == "Marked rows 2–3 not for translation"
    assert {s["id"] for s in change.statuses} == {ids[1], ids[2]}
    assert len(review.history(db, doc)) == 1
    review.undo(db, doc, user="ana")
    assert state(db, doc) == before
    with pytest.raises(review.ReviewError, match="status must be one of"):
        review.set_status_range(db, doc, ids[0], ids[1], "done")


def test_excluded_rows_are_outside_progress_and_exports(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    review.set_status(db, doc, ids[0], Status.CONFIRMED)
    review.set_status_range(db, doc, ids[2], ids[3], Status.EXCLUDED)
    (listed,) = store.list_documents(db)
    assert (listed["links"], listed["reviewed"], listed["excluded"]) == (4, 1, 2)
    assert store.status_summary(db)["progress"] == 0.5
    exported = document_pairs(db, store.get_document(db, "doc"))
    assert [p.source for p in exported] == ["Un.", "Deux."]


def test_the_unmatched_part_of_a_compilation_is_not_for_translation(db, fake_embedder):
    compilation = InputFile("page.txt", (
        b"Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
        b"Photo: a caption\n\nShare on social media\n"
    ))
    originals = [InputFile("one.txt", b"alpha beta gamma. delta epsilon.\n")]
    result = import_compilation(db, "page", compilation, originals, fake_embedder,
                                options=_no_language_check())
    assert statuses(db, result.unmatched.document_id) == ["excluded"] * 3
    assert set(statuses(db, result.parts[0].document_id)) == {"auto"}
    unmatched = next(d for d in store.list_documents(db) if d["name"] == "page-unmatched")
    assert (unmatched["reviewed"], unmatched["excluded"]) == (0, 3)


def test_a_paragraph_moved_to_the_unmatched_part_is_not_for_translation(db, fake_embedder):
    from workbench.compilation_import import resplit_compilation

    compilation = InputFile("page.txt", (
        b"Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\nlambda mu nu.\n"))
    originals = [InputFile("one.txt", b"alpha beta gamma. delta epsilon.\n\nlambda mu nu.\n")]
    import_compilation(db, "page", compilation, originals, fake_embedder,
                       options=_no_language_check())
    resplit_compilation(db, "page", {2: "page-unmatched"}, fake_embedder)
    rest = store.get_document(db, "page-unmatched")
    assert statuses(db, rest["id"]) == ["excluded", "excluded"]


def test_the_range_endpoint_and_the_progress_counts(client, db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    version = store.get_document(db, "doc")["version"]
    answer = client.post("/documents/doc/range-status", headers=USER, json={
        "version": version, "first": ids[1], "last": ids[3], "status": "excluded"})
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()
    assert (data["total"], data["reviewed"], data["excluded"]) == (4, 0, 3)
    assert len(data["statuses"]) == 3
    refused = client.post("/documents/doc/range-status", headers=USER, json={
        "version": data["version"], "first": ids[1], "last": 999999, "status": "excluded"})
    assert refused.status_code == 404 and "999999" in refused.get_json()["message"]
    listed = client.get("/documents.json").get_json()["documents"][0]
    assert (listed["excluded"], listed["progress"]) == (3, 0.0)
    review.set_status(db, doc, ids[0], Status.CONFIRMED)
    listed = client.get("/documents.json").get_json()["documents"][0]
    assert listed["progress"] == 1.0
    assert "excluded" in client.get("/documents/doc.json").get_json()["pairs"][1]["status"]


def test_a_document_with_nothing_to_translate_counts_as_done(db):
    document_id = store.create_document(db, "rest", [], sentences("Share this."))
    tgt = store.sentences(db, document_id, store.TARGET)
    store.replace_links(db, document_id, [{"source_ids": [], "target_ids": [tgt[0]["id"]],
                                           "status": Status.EXCLUDED}])
    (listed,) = store.list_documents(db)
    assert listed["excluded"] == 1


def _edit_excluded_rows(db, doc, operation):  # noqa: F811
    """Rows 1 and 2 are not for translation; `operation` edits them."""
    ids = link_ids(db, doc)
    french = [s["id"] for s in store.sentences(db, doc, store.SOURCE)]
    if operation == "edit_text":
        review.edit_text(db, doc, french[0], "Un, corrigé.", user="ana")
    elif operation == "split_sentence":
        review.edit_text(db, doc, french[0], "Un. Et demi.", user="ana")
        review.split_sentence(db, doc, french[0], 3, user="ana")
    elif operation == "join_sentences":
        review.join_sentences(db, doc, french[0], user="ana")
    elif operation == "shift":
        review.shift(db, doc, ids[0], store.SOURCE, review.DOWN, user="ana")
    elif operation == "merge":
        review.merge(db, doc, ids[0], review.DOWN, user="ana")
    elif operation == "split":
        review.merge(db, doc, ids[0], review.DOWN, user="ana")
        review.split(db, doc, ids[0], user="ana")


@pytest.mark.parametrize("operation", ["edit_text", "split_sentence", "join_sentences", "shift",
                                       "merge", "split"])
def test_editing_rows_not_for_translation_keeps_them_out_of_exports_and_progress(
        db, doc, operation):  # noqa: F811
    from workbench.export_source import ExportRequest, build_export

    ids = link_ids(db, doc)
    review.set_status_range(db, doc, ids[0], ids[1], Status.EXCLUDED, user="ana")
    _edit_excluded_rows(db, doc, operation)
    links = store.links(db, doc)
    assert [link["status"] for link in links[:-2]] == ["excluded"] * (len(links) - 2)
    assert [link["status"] for link in links[-2:]] == ["auto", "auto"]
    (listed,) = store.list_documents(db)
    assert listed["reviewed"] == 0 and listed["excluded"] == len(links) - 2
    rendered = build_export(db, ExportRequest("tsv", "doc")).rendered
    text = b"".join(content for _, content in rendered.files).decode("utf-8")
    assert "Un" not in text and "Deux" not in text and "Trois." in text


def test_merging_an_excluded_row_with_one_to_translate_makes_an_edited_row(db, doc):  # noqa: F811
    ids = link_ids(db, doc)
    review.set_status(db, doc, ids[0], Status.EXCLUDED, user="ana")
    review.merge(db, doc, ids[0], review.DOWN, user="ana")
    assert statuses(db, doc) == ["edited", "auto", "auto"]
