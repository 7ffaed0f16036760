"""The store's document writes: batched inserts give the rows the row-by-row path gave, and
one converter turns a `Sentence` into its row and back."""

from __future__ import annotations

import json

import pytest

from workbench import store
from workbench.align import Link
from workbench.segment import Sentence
from workbench.store.documents import (
    document_state,
    insert_document,
    rewrite_links,
    rewrite_sentences,
    stored_sentences,
)
from workbench.store.rows import id_list, row_sentence, sentence_row

SOURCE = [Sentence("Titre", 0, "heading"), Sentence("Il cita le manuel.", 1, "text", ("6",)),
          Sentence("La suite vint.", 1)]
TARGET = [Sentence("Title", 0, "heading"), Sentence("He quoted the manual.", 1, "text", ("6",)),
          Sentence("The rest followed.", 1)]


def _insert(db, name="doc", links=None) -> int:
    links = links if links is not None else [Link((0,), (0,), 0.9), Link((1, 2), (1, 2), 0.5)]
    with db.atomic():
        return insert_document(db, name, SOURCE, TARGET, links, source_lang="fr",
                               target_lang="en", source_path="fr.txt", target_path="en.txt")


@pytest.mark.parametrize("ids", [[], [7], [1, 2, 3], (40, 41)])
def test_id_lists_are_written_as_json_writes_them(ids):
    assert id_list(ids) == json.dumps(list(ids))
    assert json.loads(id_list(ids)) == list(ids)


@pytest.mark.parametrize("sentence", [*SOURCE, Sentence("x", 3, "note", ("1", "2"))])
def test_a_sentence_comes_back_from_its_row(sentence):
    row = sentence_row(1, store.SOURCE, 0, sentence)
    assert row_sentence(row) == sentence


def test_a_document_is_written_with_its_sentences_and_links(db):
    document_id = _insert(db)
    assert stored_sentences(db, document_id, store.SOURCE) == SOURCE
    assert stored_sentences(db, document_id, store.TARGET) == TARGET
    pairs = store.pairs(db, document_id)
    assert [([s["text"] for s in p["source"]], [t["text"] for t in p["target"]], p["score"],
             p["status"]) for p in pairs] == [
        (["Titre"], ["Title"], 0.9, "auto"),
        (["Il cita le manuel.", "La suite vint."], ["He quoted the manual.",
                                                    "The rest followed."], 0.5, "auto"),
    ]
    assert document_state(db, document_id) == {"name": "doc", "version": 1, "finished": None,
                                               "finished_by": None}


def test_ids_follow_on_from_the_largest_taken(db):
    first = _insert(db, "first")
    second = _insert(db, "second")
    ids = [row["id"] for side in (store.SOURCE, store.TARGET)
           for document_id in (first, second) for row in store.sentences(db, document_id, side)]
    assert len(set(ids)) == len(ids) == 2 * (len(SOURCE) + len(TARGET))
    assert stored_sentences(db, second, store.TARGET) == TARGET


def test_rewriting_keeps_the_ids_of_kept_sentences_and_links(db):
    document_id = _insert(db)
    before = {side: store.sentences(db, document_id, side) for side in (store.SOURCE,
                                                                          store.TARGET)}
    kept_link = store.links(db, document_id)[0]
    new = {store.SOURCE: [SOURCE[0], Sentence("Nouveau.", 1)],
           store.TARGET: [TARGET[0], Sentence("New.", 1)]}
    with db.atomic():
        ids = rewrite_sentences(db, document_id, new, {
            side: [(before[side][0]["id"], 0)] for side in new})
        rewrite_links(db, document_id, [
            dict(kept_link),
            {"source_ids": [ids[store.SOURCE][1]], "target_ids": [ids[store.TARGET][1]],
             "score": 0.7},
        ], source_path="fr-2.txt")
    assert ids[store.SOURCE][0] == before[store.SOURCE][0]["id"]
    assert stored_sentences(db, document_id, store.SOURCE) == new[store.SOURCE]
    links = store.links(db, document_id)
    assert links[0]["id"] == kept_link["id"]
    assert [link["position"] for link in links] == [0, 1]
    state = store.get_document(db, "doc")
    assert state["version"] == 2 and state["source_path"] == "fr-2.txt"
    assert state["target_path"] == "en.txt"
