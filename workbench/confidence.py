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
    quads, owners = [], []
    for k, (s, a, t, b) in enumerate(links):
        shifts = [(s, s + a, t, t + b),  # the link itself first
                  (s, s + a + 1, t, t + b), (s, s + a, t, t + b + 1),
                  (s - 1, s + a, t, t + b), (s, s + a, t - 1, t + b)]
        if a > 1:
            shifts += [(s, s + a - 1, t, t + b), (s + 1, s + a, t, t + b)]
        if b > 1:
            shifts += [(s, s + a, t, t + b - 1), (s, s + a, t + 1, t + b)]
        for shift in shifts:
            if shift[0] >= 0 and shift[2] >= 0 and shift[1] <= len(source) \
                    and shift[3] <= len(target):
                quads.append(shift)
                owners.append(k)
    quads_array = np.array(quads, dtype=np.int64)
    owner = np.array(owners, dtype=np.int64)
    source_sums, target_sums = _prefix_sums(source), _prefix_sums(target)
    u = source_sums[quads_array[:, 1]] - source_sums[quads_array[:, 0]]
    v = target_sums[quads_array[:, 3]] - target_sums[quads_array[:, 2]]
    norms = np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1)
    cosines = np.einsum("ij,ij->i", u, v) / np.maximum(norms, 1e-12)
    own = np.full(len(links), np.nan)
    rival = np.full(len(links), -np.inf)
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    own[owner[first]] = cosines[first]
    np.maximum.at(rival, owner[~first], cosines[~first])
    return [float(o - r) if np.isfinite(r) else math.inf for o, r in zip(own, rival, strict=True)]


def _prefix_sums(vectors: np.ndarray) -> np.ndarray:
    """Row k: the sum of the first k vectors (float64: differences of long sums stay exact)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    width = vectors.shape[1] if vectors.ndim == 2 and len(vectors) else 1
    sums = np.zeros((len(vectors) + 1, width))
    if len(vectors):
        np.cumsum(vectors, axis=0, out=sums[1:])
    return sums


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
