"""The pure side of terminology lookup: keys, queries, term and translation spans."""

import pytest

from workbench import terms as T


def keys(text, lang="fr"):
    return [t.key for t in T.tokenize(text, lang) if t.is_word]


def test_fold_strips_accents_case_and_ligatures():
    assert T.fold("Élan") == "elan"
    assert T.fold("Œuvre") == "oeuvre"
    assert T.fold("TRAITÉ") == "traite"


def test_stemming_makes_inflections_meet():
    assert T.word_key("accords", "fr") == T.word_key("accord", "fr")
    assert T.word_key("nationaux", "fr") == T.word_key("national", "fr")
    assert T.word_key("agreements", "en") == T.word_key("agreement", "en")
    assert T.word_key("struggles", "en") == T.word_key("struggle", "en")


def test_keys_ignore_accents_and_case():
    assert keys("Le Traité") == keys("le traite")
    assert keys("ÉTAT") == keys("état") == keys("etat")


def test_index_keys_has_one_key_per_token_punctuation_included():
    text = "L'accord, enfin signé."
    stored = T.index_keys(text, "fr").split()
    assert len(stored) == len(T.tokenize(text, "fr"))
    assert [t.key for t in T.tokenize(text, "fr", stored)] == stored


def test_tokenize_recomputes_keys_that_do_not_fit():
    tokens = T.tokenize("Les accords", "fr", ["stale"])
    assert [t.key for t in tokens] == ["le", "accord"]


def test_parse_query_makes_a_phrase_with_optional_prefixes():
    query = T.parse_query("dictature du prolétariat", "fr")
    assert [w.key for w in query.words] == ["dictatur", "du", "proletariat"]
    assert [w.text for w in query.content_words] == ["dictature", "prolétariat"]
    assert query.fts_expression("fr") == 'fr : ("dictatur" + "du" + "proletariat")'
    prefix = T.parse_query("syndic*", "fr")
    assert prefix.words[0].prefix
    assert prefix.fts_expression("fr").endswith('"syndic"*)')


def test_parse_query_accepts_quotes_and_curly_apostrophes():
    query = T.parse_query("\u201cappareil d\u2019État\u201d", "fr")
    assert [w.text for w in query.words] == ["appareil", "d", "État"]


def test_empty_query_is_a_clear_error():
    with pytest.raises(T.QueryError, match="nothing to search"):
        T.parse_query(' "" * ', "fr")


def test_find_term_finds_phrases_across_inflection_and_punctuation():
    query = T.parse_query("accord de paix", "fr")
    text = "Les Accords de paix, puis l'accord, de paix enfin."
    tokens = T.tokenize(text, "fr")
    spans = [(tokens[s].start, tokens[e - 1].end) for s, e in T.find_term(query, tokens)]
    assert [text[a:b] for a, b in spans] == ["Accords de paix", "accord, de paix"]


def test_find_term_prefix_word():
    query = T.parse_query("syndic*", "fr")
    tokens = T.tokenize("Les syndicats et le syndicalisme.", "fr")
    assert len(T.find_term(query, tokens)) == 2


def test_cognates_are_recognised_and_unrelated_words_are_not():
    assert T.cognate_similarity("prolétariat", "proletariat") == 1.0
    assert T.cognate_similarity("dictature", "dictatorship") >= 0.75
    assert T.cognate_similarity("lutte", "struggle") == 0.0
    assert T.cognate_similarity("de", "de") == 0.0  # too short to mean anything


def test_coverage_is_one_to_one():
    # One span word tied to both query words counts once only.
    assert T.coverage([(0.9, 0.9)]) == pytest.approx(0.9)
    assert T.coverage([(0.9, 0.9), (0.2, 0.8)]) == pytest.approx(1.7)


def test_ranked_spans_picks_the_words_tied_to_the_query():
    query = T.parse_query("lutte des classes", "fr")
    text = "He describes class struggle as an engine."
    tokens = T.tokenize(text, "en")
    table = {
        "describ": (0.4, 0.4), "class": (0.6, 0.98), "struggl": (0.8, 0.6), "engin": (0.4, 0.4),
    }
    best = T.ranked_spans(tokens, text, "en", query, table)[0]
    assert best.text == "class struggle"
    assert best.key == "class struggl"
    assert text[best.char_start : best.char_end] == "class struggle"


def test_spans_do_not_cross_phrase_breaks():
    query = T.parse_query("conseils de guerre", "fr")
    text = "Many were arrested; courts martial sat."
    tokens = T.tokenize(text, "en")
    table = {"arrest": (0.9, 0.9), "court": (0.9, 0.9), "martial": (0.9, 0.9)}
    spans = T.ranked_spans(tokens, text, "en", query, table, limit=50)
    assert all(";" not in span.text for span in spans)


def test_associations_favour_consistent_co_occurrence_and_skip_numbers():
    query = T.parse_query("accord", "fr")
    stats = T.WordStatistics(hits=4, counts={"agreement": 4, "peac": 1, "1936": 2}, sample=4)
    frequency = {"agreement": 4, "peac": 3, "1936": 2}
    surface = {"agreement": "agreement", "peac": "peace", "1936": "1936"}
    table = T.associations(query, [stats], frequency, surface)
    assert table["agreement"][0] > 0.8 > table["peac"][0]
    assert "1936" not in table


def test_refine_with_embeddings_adds_similarity_to_the_term(fake_embedder):
    text = "the standing army and conscription"
    tokens = T.tokenize(text, "en")
    low = T.span_from(tokens, text, 0, 3, 0.5)  # "the standing army"
    high = T.span_from(tokens, text, 4, 5, 0.6)  # "conscription"
    chosen = T.refine_with_embeddings("the standing army", [[high, low], []],
                                      fake_embedder.encode)
    assert chosen == [low, None]


def test_rank_variants_counts_keys_and_shows_the_commonest_form():
    def span(text, key):
        return T.Span(0, 1, 1.0, text, key, 0, len(text))

    variants = T.rank_variants(
        [span("agreement", "agreement"), span("Agreements", "agreement"),
         span("agreement", "agreement"), span("settlement", "settlement"), None]
    )
    assert [(v.text, v.count) for v in variants] == [("agreement", 3), ("settlement", 1)]


def test_contains_phrase_ignores_punctuation_keys():
    assert T.contains_phrase(["worker", "'", "council", "."], ["worker", "council"])
    assert not T.contains_phrase(["council", "worker"], ["worker", "council"])
