"""The chance that a link is exactly right, from a few features of the link.

A logistic model. Its coefficients were fitted once, on the development gold
(`bench/accuracy.py --fit-confidence`, all development documents pooled), and are
kept here as named constants; no document is special-cased.

The boundary margin (`boundary_margins`) came later: its one coefficient was fitted on top
of the others (`bench/accuracy.py --fit-boundary`), and checked on each gold set with the
coefficient fitted on the other (docs/alignment.md, "Confidence").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Fitted on the development gold; see the module docstring.
INTERCEPT = -1.518
MARGIN_COEFFICIENT = 0.113
COSINE_COEFFICIENT = 0.679
LENGTH_COEFFICIENT = 6.889
MERGE_COEFFICIENT = -0.389
SIZE_COEFFICIENT = -0.738
BESIDE_OMISSION_COEFFICIENT = -2.763
OMISSION_INTERCEPT = -0.209
BOUNDARY_COEFFICIENT = 3.37
"""Per unit of `boundary_margins` below zero: a link that a one-sentence shift of one of its
boundaries would make more alike is doubtful, however alike its own sides are."""


def link_features(a: int, b: int, cosine: float, neighbour: float, lengths: float,
                  beside_omission: bool) -> tuple[float, ...]:
    """margin, cosine, length factor, is a merge, sentences in the link, next to a 1-0/0-1."""
    return (cosine - neighbour, cosine, lengths, float(max(a, b) > 1), float(a + b),
            float(beside_omission))


def link_confidence(a: int, b: int, cosine: float = 0.0, neighbour: float = 0.0,
                    lengths: float = 0.0, beside_omission: bool = False,
                    boundary: float = 0.0) -> float:
    """The chance that a link of a source and b target sentences is exactly right.

    `boundary` is the link's `boundary_margins` value (0 or more: no shift does better)."""
    if a == 0 or b == 0:
        return _sigmoid(OMISSION_INTERCEPT)
    features = link_features(a, b, cosine, neighbour, lengths, beside_omission)
    coefficients = (MARGIN_COEFFICIENT, COSINE_COEFFICIENT, LENGTH_COEFFICIENT,
                    MERGE_COEFFICIENT, SIZE_COEFFICIENT, BESIDE_OMISSION_COEFFICIENT)
    return _sigmoid(INTERCEPT + sum(c * f for c, f in zip(coefficients, features, strict=True))
                    + BOUNDARY_COEFFICIENT * min(boundary, 0.0))


def boundary_margins(source: np.ndarray, target: np.ndarray,
                     links: Sequence[tuple[int, int, int, int]]) -> list[float]:
    """How much more alike each link's two sides are than after the best one-sentence shift
    of one of its four boundaries (taking in the next or previous sentence on one side, or
    giving up its first or last when that side has two or more).

    The aligner's errors are mostly boundaries put one sentence off, with both sides still
    fairly alike: their cosine says little, but a shifted link matching as well or better
    says the boundary is in doubt. Each side is the sum of its sentence vectors (the unit
    vectors `source` and `target`, offset removed), so the aligner and the scorer of reshaped
    rows (`workbench.reshaped`) compute the same number from the same vectors. `links` are
    (first source, source count, first target, target count) positions in the given rows,
    both counts at least 1; a shift past the first or last given row is not tried, so give
    the neighbouring sentences a shift needs. Infinite when no shift is possible."""
    if not links:
        return []
    source = np.asarray(source, dtype=np.float32)
    target = np.asarray(target, dtype=np.float32)
    s, a, t, b = (np.array(column, dtype=np.int64) for column in zip(*links, strict=True))
    u = _window_sums(source, s, a)
    v = _window_sums(target, t, b)
    uv, uu, vv = _dots(u, v), _dots(u, u), _dots(v, v)
    best = np.full(len(links), -np.inf)
    # A shift adds or removes one sentence x on one side: the shifted sums' dot products
    # follow from x's with both sums, so no shifted window is summed.
    for positions, possible, vectors, same, other, same_norm, other_norm, sign in (
            (s + a, s + a < len(source), source, u, v, uu, vv, 1),
            (s - 1, s > 0, source, u, v, uu, vv, 1),
            (s + a - 1, a > 1, source, u, v, uu, vv, -1),
            (s, a > 1, source, u, v, uu, vv, -1),
            (t + b, t + b < len(target), target, v, u, vv, uu, 1),
            (t - 1, t > 0, target, v, u, vv, uu, 1),
            (t + b - 1, b > 1, target, v, u, vv, uu, -1),
            (t, b > 1, target, v, u, vv, uu, -1)):
        if not possible.any():
            continue
        x = vectors[np.clip(positions, 0, len(vectors) - 1)]
        shifted_norm = same_norm + sign * 2 * _dots(same, x) + _dots(x, x)
        shifted = (uv + sign * _dots(x, other)) / np.sqrt(
            np.maximum(shifted_norm * other_norm, 1e-24))
        best = np.where(possible, np.maximum(best, shifted), best)
    own = uv / np.sqrt(np.maximum(uu * vv, 1e-24))
    return [float(o - r) if np.isfinite(r) else math.inf for o, r in zip(own, best, strict=True)]


def _window_sums(vectors: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The sum of each window's sentence vectors."""
    sums = vectors[starts].copy()
    for offset in range(1, int(sizes.max())):
        inside = sizes > offset
        sums[inside] += vectors[starts[inside] + offset]
    return sums


def _dots(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Row by row dot products, in float64 (the rows are float32)."""
    return np.einsum("ij,ij->i", first, second, dtype=np.float64)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
