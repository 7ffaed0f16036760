"""The `make_document` fixture stores a document exactly as an import of the same text does."""

from __future__ import annotations

import pytest

from tests.conftest import store_document
from workbench import store
from workbench.corpus import InputFile
from workbench.importing import ImportOptions, import_document
from workbench.segment import read_presegmented

FRENCH = "Le chat dort.\nLe chien court.\n\nLa pluie tombe.\n"
ENGLISH = "The cat sleeps.\nThe dog runs.\n\nThe rain falls.\n"


def stored(db, document_id):
    """Everything stored for a document but its row ids and time stamps."""
    document = dict(db["documents"].get(document_id))
    kept = {k: v for k, v in document.items()
            if k not in ("id", "name", "created", "updated", "source_path", "target_path")}
    texts = {row["id"]: row["text"] for side in (store.SOURCE, store.TARGET)
             for row in store.sentences(db, document_id, side)}
    sentences = [{k: v for k, v in row.items() if k not in ("id", "document_id")}
                 for side in (store.SOURCE, store.TARGET)
                 for row in store.sentences(db, document_id, side)]
    links = [([texts[i] for i in link["source_ids"]], [texts[i] for i in link["target_ids"]],
              round(link["score"], 6), link["status"], link["position"])
             for link in store.links(db, document_id)]
    return kept, sentences, links


def test_a_made_document_is_stored_as_an_import_stores_it(db, make_document, fake_embedder):
    imported = import_document(
        db, "imported", InputFile("a.fr.txt", FRENCH.encode()),
        InputFile("a.en.txt", ENGLISH.encode()), fake_embedder,
        options=ImportOptions(presegmented=True, language_check=False)).document_id
    made = make_document("made", read_presegmented(FRENCH), read_presegmented(ENGLISH),
                         embedder=fake_embedder)
    assert stored(db, made) == stored(db, imported)
    explicit = make_document("explicit", read_presegmented(FRENCH), read_presegmented(ENGLISH),
                             [((0, 1), (0,), 0.5), ((), (1,)), ((2,), (2,), 0.9)])
    assert [link[:3] for link in stored(db, explicit)[2]] == [
        (["Le chat dort.", "Le chien court."], ["The cat sleeps."], 0.5),
        ([], ["The dog runs."], 0.0), (["La pluie tombe."], ["The rain falls."], 0.9)]
    assert stored(db, explicit)[1] == stored(db, imported)[1]

def test_one_link_per_pair_needs_both_sides_as_long(db):
    with pytest.raises(ValueError, match="both sides as long"):
        store_document(db, "uneven", ["Un.", "Deux."], ["One."])
