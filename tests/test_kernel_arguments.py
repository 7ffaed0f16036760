"""The kernel's grouped arguments give the very scores of its 37 positional ones
(transitional: the old kernel is read from git history, at the commit before the grouping)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import PROJECT_ROOT
from workbench.search import LevelScorer
from workbench.similarity import Band, ScoreWeights, Side, WindowVectors

BEFORE_GROUPING = "b5820f8"


def old_kernel(tmp_path):
    try:
        source = subprocess.run(["git", "show", f"{BEFORE_GROUPING}:workbench/similarity.py"],
                                cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git history before the grouping is not here")
    path = tmp_path / "old_similarity.py"
    path.write_text(source.replace("@njit(cache=True", "@njit(cache=False"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_similarity", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_similarity"] = module
    spec.loader.exec_module(module)
    return module


WORDS = ["maison", "rouge", "Paris", "1871", "commune", "42", "pain", "terre", "Hugo", "3000"]


def random_texts(rng, count):
    texts = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.05:
            texts.append("* * *")
            continue
        words = rng.choice(WORDS, size=rng.integers(1, 12))
        end = ":" if roll < 0.15 else ","if roll < 0.2 else "."
        texts.append(" ".join(words) + end)
    return texts


def random_side(rng, count, dimension):
    vectors = rng.normal(size=(count, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    paragraphs = np.cumsum(rng.random(count) < 0.2)
    return Side.build(vectors, random_texts(rng, count), paragraphs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grouped_kernel_scores_equal_the_positional_ones(tmp_path, seed):
    old = old_kernel(tmp_path)
    rng = np.random.default_rng(seed)
    source, target = random_side(rng, 40, 16), random_side(rng, 47, 16)
    shapes = np.array([(1, 0), (0, 1)] + [(a, b) for a in range(1, 5) for b in range(1, 5)
                                          if a + b <= 5], dtype=np.int64)
    weights = ScoreWeights(margin_weight=0.9, length_weight=1.1, paragraph_weight=0.2,
                           member_weight=0.7, member_floor=0.05, lexical_weight=0.5,
                           unfinished_weight=0.05)
    embedded = {(start, size): rng.normal(size=16).astype(np.float32)
                for start in range(0, 36, 3) for size in (2, 3)}
    windows = (WindowVectors.build(len(source), 4, embedded, 16),
               WindowVectors.build(len(target), 4, embedded, 16))
    band = Band.from_limits(np.maximum(np.arange(41) - 12, 0),
                            np.minimum(np.arange(41) + 16, 48))
    for scorer_windows in (None, windows):
        scorer = LevelScorer(source, target, band, shapes, weights, scorer_windows)
        previous = np.zeros((0, len(shapes)), dtype=np.float32)
        if scorer_windows is not None:
            previous = LevelScorer(source, target, band, shapes, weights).scores(-0.3)
        new = scorer.scores(-0.3, previous)
        s, t, c = scorer.source_side, scorer.target_side, scorer.cells
        w = weights
        before = old.link_scores(
            c.cosines, c.lo, c.hi, c.start, band.lo, band.hi, band.start, shapes, s.norms,
            t.norms, s.cumulative_lengths, t.cumulative_lengths, scorer.ratio,
            source.paragraph_starts, target.paragraph_starts, w.margin_weight, w.length_weight,
            w.paragraph_weight, -0.3, w.member_weight, w.member_floor, source.vectors,
            target.vectors, s.window_index, s.windows, t.window_index, t.windows, previous,
            c.shared, s.anchor_counts, t.anchor_counts, w.lexical_weight, source.unfinished,
            target.unfinished, w.unfinished_weight, source.wordless, target.wordless)
        assert np.isfinite(new).sum() > 1000
        np.testing.assert_array_equal(new, before)
        for i0, a, j0, b in [(3, 1, 4, 1), (10, 2, 12, 3), (20, 3, 18, 2)]:
            cosine, neighbour, _ = scorer.parts(i0, a, j0, b)
            old_cosine, old_neighbour = old.link_parts(
                c.cosines, c.lo, c.hi, c.start, s.norms, t.norms, i0, a, j0, b,
                source.vectors, target.vectors, s.window_index, s.windows, t.window_index,
                t.windows)
            assert (cosine, neighbour) == (old_cosine, old_neighbour)
