"""Document names go into URLs: the name check refuses what a path segment cannot carry, and
the editor addresses its document by an encoded URL (issue 12, Low)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import sentences
from workbench import store
from workbench.compilation_import import import_compilation
from workbench.corpus import ImportRefused, InputFile
from workbench.importing import ImportOptions, check_name


@pytest.mark.parametrize("name", ["x%41", "chap 1 #2?", "what?", "50%", "#1", ".", "..",
                                  "a/b", "a\\b", "tab\there", "new\nline", " outer", "outer ",
                                  "", "   "])
def test_names_a_url_path_segment_cannot_carry_are_refused(name):
    with pytest.raises(ImportRefused) as refused:
        check_name(name)
    assert repr(name) in str(refused.value) or "needs a name" in str(refused.value)


@pytest.mark.parametrize("name", ["Chapitre 1 — l'été", "a.b", "x+y&z", "commune-de-paris",
                                  "...a", "a..b", "Œuvres (1871)"])
def test_ordinary_names_pass(name):
    check_name(name)


def test_the_message_says_which_characters(monkeypatch):
    with pytest.raises(ImportRefused, match=r"%.*#.*\?"):
        check_name("chap 1 #2?")


def test_the_editor_addresses_an_odd_name_by_its_encoded_url(client, db):
    """A legacy document named x%41 must not send its edits to xA."""
    for name in ("x%41", "xA"):
        document_id = store.create_document(db, name, sentences("Un.", "Deux."),
                                            sentences("One.", "Two."))
        ids = [s["id"] for s in store.sentences(db, document_id, store.SOURCE)]
        targets = [s["id"] for s in store.sentences(db, document_id, store.TARGET)]
        store.replace_links(db, document_id, [
            {"source_ids": [s], "target_ids": [t], "score": 0.9}
            for s, t in zip(ids, targets, strict=True)])
    page = client.get("/documents/x%2541").get_data(as_text=True)
    state = json.loads(re.search(r'id="editor-state" type="application/json">(.*?)</script>',
                                 page, re.S).group(1))
    assert state["document"]["name"] == "x%41"
    api = state["api"]
    assert api == "/documents/x%2541"
    link = state["pairs"][0]["id"]
    before = {name: store.get_document(db, name)["version"] for name in ("x%41", "xA")}
    assert client.post(f"{api}/links/{link}/status", json={}).status_code == 200
    assert store.get_document(db, "x%41")["version"] == before["x%41"] + 1
    assert store.get_document(db, "xA")["version"] == before["xA"]


@pytest.mark.parametrize("name", ["next\x85line", "line\u2028separator", "para\u2029graph",
                                  "not utf-8 \udcff", "bell\x07", "del\x7f"])
def test_unicode_controls_separators_and_undecodable_names_are_refused(name):
    """C1 controls and the line separators break a header or a file name as C0 ones do; a
    lone surrogate (a corpus file name that is not UTF-8) cannot even be stored."""
    with pytest.raises(ImportRefused, match="control characters"):
        check_name(name)


def test_a_compilation_part_named_after_its_original_file_is_checked_too(db, fake_embedder):
    """`book` + original `chap#2.txt` would make a document `book-chap#2`: refused, with the
    part's name, and nothing written."""
    compilation = InputFile("page.txt", b"alpha beta gamma.\n")
    originals = [InputFile("chap#2.txt", b"alpha beta gamma.\n")]
    with pytest.raises(ImportRefused, match="book-chap#2"):
        import_compilation(db, "book", compilation, originals, fake_embedder,
                           options=ImportOptions(language_check=False))
    assert store.list_documents(db) == []
