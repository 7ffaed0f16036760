"""The terminology index in SQLite: triggers keep it current; lookups rank translations."""

import pytest

from tests.termdata import add_corpus
from workbench import store, termindex
from workbench.status import Status
from workbench.store import migrations
from workbench.web.urls import document_url


@pytest.fixture
def corpus(db):
    return add_corpus(db)


def texts(result):
    return [hit.text for hit in result.hits]


def test_inflections_match(db, corpus):
    result = termindex.lookup(db, "accord")
    assert result.query.lang == "fr"
    assert texts(result) == [
        "Les deux pays ont signé un accord de paix.",
        "Ces accords ont été rompus dès l'hiver suivant.",
    ]
    assert [h.text[a:b] for h in result.hits for a, b in h.term_spans] == ["accord", "accords"]


def test_case_and_accents_do_not_matter(db, corpus):
    assert texts(termindex.lookup(db, "TRAITE")) == texts(termindex.lookup(db, "traité"))
    assert len(termindex.lookup(db, "traite").hits) == 2


def test_phrases_match_as_phrases(db, corpus):
    result = termindex.lookup(db, "dictature du prolétariat")
    assert result.total == 3
    assert termindex.lookup(db, "prolétariat du dictature").total == 0


def test_english_queries_are_detected_and_find_french_translations(db, corpus):
    result = termindex.lookup(db, "agreements")
    assert result.query.lang == "en"
    assert [v.text for v in result.variants] == ["accord"]
    assert [h.translation.text for h in result.hits] == ["accord", "accords"]


def test_ranked_variants_with_counts(db, corpus):
    result = termindex.lookup(db, "dictature du prolétariat")
    assert [(v.text, v.count) for v in result.variants] == [
        ("dictatorship of the proletariat", 2), ("proletarian dictatorship", 1),
    ]
    hit = result.hits[0]
    start, end = hit.translation.char_start, hit.translation.char_end
    assert hit.counterpart[start:end] == "dictatorship of the proletariat"


def test_choosing_a_variant_filters_the_examples(db, corpus):
    everything = termindex.lookup(db, "dictature du prolétariat")
    key = everything.variants[1].key
    chosen = termindex.lookup(db, "dictature du prolétariat", variant=key)
    assert chosen.total == 3  # the count of the whole search stays
    assert [h.translation.text for h in chosen.hits] == ["proletarian dictatorship"]


def test_filters_confirmed_only_and_one_document(db):
    statuses = [Status.CONFIRMED, Status.AUTO] + [Status.AUTO] * 10
    add_corpus(db, "first", statuses=statuses)
    add_corpus(db, "second")
    assert termindex.lookup(db, "accord").total == 4
    confirmed = termindex.lookup(db, "accord", filters=termindex.Filters(confirmed_only=True))
    assert [(h.document, h.status) for h in confirmed.hits] == [("first", "confirmed")]
    second = termindex.lookup(db, "accord", filters=termindex.Filters(document="second"))
    assert {h.document for h in second.hits} == {"second"}
    assert second.total == 2


def test_hits_name_their_document_and_pair_for_the_review_page(db, corpus):
    hit = termindex.lookup(db, "loi").hits[0]
    assert hit.document == "histoire"
    assert document_url(hit.document, hit.link_id) == f"/documents/histoire?link={hit.link_id}"
    link = db["links"].get(hit.link_id)
    assert link["document_id"] == corpus


def test_edited_sentences_are_found_at_once(db, corpus):
    assert termindex.lookup(db, "syndicat").total == 0
    hit = termindex.lookup(db, "ouvriers").hits[0]
    link = next(link for link in store.links(db, corpus) if link["id"] == hit.link_id)
    source_id = link["source_ids"][0]
    db.execute("update sentences set text = ? where id = ?",
               ["Le syndicat occupa les usines pendant l'été.", source_id])
    db.conn.commit()
    assert termindex.lookup(db, "syndicat").total == 1
    assert termindex.lookup(db, "ouvriers").total == 0


def test_deleted_sentences_and_documents_leave_the_index(db, corpus):
    store.delete_document(db, corpus)
    assert termindex.lookup(db, "accord").total == 0
    assert db.execute("select count(*) from term_index").fetchone()[0] == 0
    assert db.execute("select count(*) from link_members").fetchone()[0] == 0


def test_replaced_links_are_followed(db, corpus):
    source = store.sentences(db, corpus, store.SOURCE)
    target = store.sentences(db, corpus, store.TARGET)
    # Realign: the first French sentence now pairs with the first two English ones.
    links = [{"source_ids": [source[0]["id"]], "target_ids": [target[0]["id"], target[1]["id"]],
              "score": 0.5}]
    store.replace_links(db, corpus, links)
    hit = termindex.lookup(db, "paix").hits[0]
    assert hit.counterpart == (
        "The two countries signed a peace agreement. These agreements were broken the "
        "following winter."
    )


def test_migration_indexes_existing_sentences(tmp_path):
    """A database made before the index existed gets everything indexed when opened."""
    path = tmp_path / "old.db"
    name, step = "0001_core_tables", migrations._create_core_tables
    old = store.sqlite_utils.Database(str(path))
    old["migrations"].create({"name": str, "applied": str}, pk="name")
    step(old)
    old["migrations"].insert({"name": name, "applied": store.now()})
    # rows as that first schema held them (no sentence kinds yet)
    document_id = old["documents"].insert(
        {"name": "old", "source_lang": "fr", "target_lang": "en"}).last_pk
    rows = [old["sentences"].insert({"document_id": document_id, "side": side, "position": 0,
                                     "paragraph": 0, "text": text}).last_pk
            for side, text in (("source", "Un accord fut signé."),
                               ("target", "An agreement was signed."))]
    old["links"].insert({"document_id": document_id, "position": 0,
                         "source_ids": f"[{rows[0]}]", "target_ids": f"[{rows[1]}]"})
    old.close()
    db = store.open_db(path)
    assert termindex.pending(db) == 0
    result = termindex.lookup(db, "accords")
    assert [h.translation.text for h in result.hits] == ["agreement"]


def test_unknown_words_find_nothing(db, corpus):
    result = termindex.lookup(db, "zeppelin", lang="fr")
    assert (result.total, result.hits, result.variants) == (0, [], [])


def test_the_embedder_reranks_the_page(db, corpus, fake_embedder):
    result = termindex.lookup(db, "dictature du prolétariat", encode=fake_embedder.encode)
    assert fake_embedder.calls == 1
    assert result.hits[0].translation.text == "dictatorship of the proletariat"
    assert result.server_ms >= result.search_ms


def test_a_term_twice_in_a_sentence_has_its_translation_highlighted_twice(db):
    pairs = [
        ("Les syndicats signèrent, puis les syndicats protestèrent.",
         "The unions signed, then the unions protested."),
        ("Les syndicats grandirent.", "The unions grew."),
    ]
    add_corpus(db, pairs=pairs)
    hit = termindex.lookup(db, "syndicats").hits[0]
    assert [hit.counterpart[a:b] for a, b in hit.translation_spans] == ["unions", "unions"]
    assert termindex.lookup(db, "syndicats").hits[1].translation_spans == [(4, 10)]


class PreferringEncoder:
    """An embedder that finds the term identical to one chosen rendering, unlike the rest."""

    def __init__(self, term: str, preferred: str) -> None:
        self.same = {term, preferred}

    def __call__(self, texts):
        import numpy as np

        vectors = np.zeros((len(texts), len(texts) + 1), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row, 0 if text in self.same else row + 1] = 1.0
        return vectors


def test_translations_found_count_what_the_hits_highlight(db, corpus):
    """Issue 13: the summary said "schoolteachers 1" while the hit highlighted "Workingmen"."""
    statistics_only = termindex.lookup(db, "ouvriers")
    assert [v.text for v in statistics_only.variants] == ["workers"]
    result = termindex.lookup(db, "ouvriers", encode=PreferringEncoder("ouvriers", "factories"))
    assert [h.translation.text for h in result.hits] == ["factories"]
    assert [(v.text, v.count) for v in result.variants] == [("factories", 1)]
    # Choosing that translation shows the same hit, rendered the same way.
    chosen = termindex.lookup(db, "ouvriers", variant=result.variants[0].key,
                              encode=PreferringEncoder("ouvriers", "factories"))
    assert [h.translation.text for h in chosen.hits] == ["factories"]
