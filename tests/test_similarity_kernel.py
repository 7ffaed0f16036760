"""The scoring kernel through its grouped arguments: each group is read where it belongs."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.search import LevelScorer
from workbench.similarity import Band, ScoreWeights, Side, WindowVectors

WORDS = ["maison", "rouge", "Paris", "1871", "commune", "42", "pain", "terre", "Hugo", "3000"]
SHAPES = np.array([(1, 0), (0, 1), (1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)],
                  dtype=np.int64)


def random_texts(rng, count):
    texts = []
    for _ in range(count):
        roll = rng.random()
        words = " ".join([*rng.choice(WORDS, size=rng.integers(1, 12)),
                          *(str(n) for n in rng.integers(1800, 1830, size=rng.integers(0, 3)))])
        texts.append("* * *" if roll < 0.05 else words + (":" if roll < 0.2 else "."))
    return texts


def random_side(rng, count, dimension=16, texts=None):
    texts = random_texts(rng, count) if texts is None else texts
    vectors = rng.normal(size=(count, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Side.build(vectors, texts, np.cumsum(rng.random(count) < 0.2))


def grid(scorer, scores):
    """scores as {(i0, a, j0, b): score} for every link that has one."""
    band, out = scorer.band, {}
    for i in range(len(band.lo)):
        for j in range(band.lo[i], band.hi[i]):
            for k, (a, b) in enumerate(scorer.shapes.tolist()):
                value = scores[band.start[i] + j - band.lo[i], k]
                if np.isfinite(value):
                    out[(i - a, a, j - b, b)] = float(value)
    return out


WEIGHTS = ScoreWeights(margin_weight=0.9, length_weight=1.1, paragraph_weight=0.2,
                       member_weight=0.7, member_floor=0.05, lexical_weight=0.5,
                       unfinished_weight=0.05)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_transposed_document_scores_as_the_transposed_grid(seed):
    """Source and target play symmetric parts in every term of the score, so exchanging the
    two sides (and each link's shape) gives the same scores: a field of one side read for
    the other, or two weights exchanged, would break it. (Both sides hold the same texts in
    another order: with equal totals the length prior is symmetric too.)"""
    rng = np.random.default_rng(seed)
    texts = random_texts(rng, 32)
    source = random_side(rng, 32, texts=texts)
    target = random_side(rng, 32, texts=[texts[k] for k in rng.permutation(32)])
    shapes_transposed = SHAPES[:, ::-1].copy()
    forward = LevelScorer(source, target, Band.full(33, 33), SHAPES, WEIGHTS)
    backward = LevelScorer(target, source, Band.full(33, 33), shapes_transposed, WEIGHTS)
    there = grid(forward, forward.scores(-0.25))
    back = {(j0, b, i0, a): value
            for (i0, a, j0, b), value in grid(backward, backward.scores(-0.25)).items()}
    assert there.keys() == back.keys() and len(there) > 2000
    for link, value in there.items():
        assert value == pytest.approx(back[link], abs=1e-5), link


def test_each_weight_moves_the_score_by_its_own_term():
    rng = np.random.default_rng(3)
    source, target = random_side(rng, 12), random_side(rng, 12)
    plain = ScoreWeights(margin_weight=0.0, length_weight=0.0)
    scorer = LevelScorer(source, target, Band.full(13, 13), SHAPES, plain)
    scores = grid(scorer, scorer.scores(-0.4))
    for (i0, a, j0, b), value in scores.items():
        if a == 0 or b == 0:
            assert value == pytest.approx(-0.4)
        elif a == b == 1:
            cosine = float(source.vectors[i0] @ target.vectors[j0])
            assert value == pytest.approx(cosine, abs=1e-5)
    with_paragraphs = LevelScorer(source, target, Band.full(13, 13), SHAPES,
                                  ScoreWeights(margin_weight=0.0, length_weight=0.0,
                                               paragraph_weight=1.0))
    moved = grid(with_paragraphs, with_paragraphs.scores(-0.4))
    link = next(link for link in scores if link[1] == link[3] == 1
                and source.paragraph_starts[link[0]] != target.paragraph_starts[link[2]])
    assert moved[link] == pytest.approx(scores[link] - 1.0, abs=1e-5)


def test_embedded_windows_are_read_for_the_side_that_has_them():
    rng = np.random.default_rng(4)
    source, target = random_side(rng, 10), random_side(rng, 10)
    window = rng.normal(size=16).astype(np.float32)
    window /= np.linalg.norm(window)
    windows = (WindowVectors.build(10, 2, {(2, 2): window}, 16), WindowVectors.none(10, 2, 16))
    scorer = LevelScorer(source, target, Band.full(11, 11), SHAPES[:5], ScoreWeights(),
                         windows)
    cosine, _, _ = scorer.parts(2, 2, 5, 1)
    assert cosine == pytest.approx(float(window @ target.vectors[5]), abs=1e-6)
