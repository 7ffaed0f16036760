import pytest

from workbench import store
from workbench.segment import Sentence


def test_migrations_run_once(db):
    assert store.migrate(db) == []
    assert {"documents", "sentences", "links", "embeddings"} <= set(db.table_names())


def test_document_with_sentences_in_reading_order(db):
    document_id = store.create_document(
        db, "doc", [Sentence("Un.", 0), Sentence("Deux.", 1)], [Sentence("One.", 0)]
    )
    rows = store.sentences(db, document_id, store.SOURCE)
    assert [(r["text"], r["paragraph"], r["position"]) for r in rows] == [
        ("Un.", 0, 0), ("Deux.", 1, 1)
    ]


def test_duplicate_document_names_are_refused(db):
    store.create_document(db, "doc", [Sentence("Un.", 0)], [Sentence("One.", 0)])
    with pytest.raises(store.DocumentExists):
        store.create_document(db, "doc", [Sentence("Un.", 0)], [Sentence("One.", 0)])


def test_pairs_carry_their_sentences(db, sample_document):
    pairs = store.pairs(db, sample_document)
    assert [(p["source"][0]["text"], p["target"][0]["text"]) for p in pairs][0] == (
        "Le roi est mort.", "The king is dead."
    )
    assert [p["status"] for p in pairs] == ["auto"] * 3


def test_status_summary_counts_reviewed_links(db, sample_document):
    db.execute("update links set status = 'confirmed' where position = 0")
    assert store.status_summary(db) == {
        "documents": 1, "links": 3, "reviewed": 1, "excluded": 0,
        "progress": pytest.approx(1 / 3),
    }


def test_database_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "x.db"))
    assert store.default_db_path() == tmp_path / "x.db"


def test_writes_inside_a_larger_transaction_are_rolled_back_with_it(db, sample_document):
    """store's own transactions nest: they never commit half of a caller's work."""
    links_before = store.links(db, sample_document)
    with pytest.raises(RuntimeError, match="later step failed"), db.atomic():
        store.replace_links(db, sample_document, [])
        store.create_document(db, "other", [Sentence("Un.", 0)], [Sentence("One.", 0)])
        raise RuntimeError("a later step failed")
    assert store.links(db, sample_document) == links_before
    assert store.get_document(db, "other") is None
