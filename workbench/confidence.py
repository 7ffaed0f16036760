"""The chance that a link is exactly right, from a few features of the link.

A logistic model. Its coefficients were fitted once, on the development gold
(`bench/accuracy.py --fit-confidence`, all development documents pooled), and are
kept here as named constants; no document is special-cased.
"""

from __future__ import annotations

import math

# Fitted on the development gold; see the module docstring.
INTERCEPT = -1.518
MARGIN_COEFFICIENT = 0.113
COSINE_COEFFICIENT = 0.679
LENGTH_COEFFICIENT = 6.889
MERGE_COEFFICIENT = -0.389
SIZE_COEFFICIENT = -0.738
BESIDE_OMISSION_COEFFICIENT = -2.763
OMISSION_INTERCEPT = -0.209


def link_features(a: int, b: int, cosine: float, neighbour: float, lengths: float,
                  beside_omission: bool) -> tuple[float, ...]:
    """margin, cosine, length factor, is a merge, sentences in the link, next to a 1-0/0-1."""
    return (cosine - neighbour, cosine, lengths, float(max(a, b) > 1), float(a + b),
            float(beside_omission))


def link_confidence(a: int, b: int, cosine: float = 0.0, neighbour: float = 0.0,
                    lengths: float = 0.0, beside_omission: bool = False) -> float:
    """The chance that a link of a source and b target sentences is exactly right."""
    if a == 0 or b == 0:
        return _sigmoid(OMISSION_INTERCEPT)
    features = link_features(a, b, cosine, neighbour, lengths, beside_omission)
    coefficients = (MARGIN_COEFFICIENT, COSINE_COEFFICIENT, LENGTH_COEFFICIENT,
                    MERGE_COEFFICIENT, SIZE_COEFFICIENT, BESIDE_OMISSION_COEFFICIENT)
    return _sigmoid(INTERCEPT + sum(c * f for c, f in zip(coefficients, features, strict=True)))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
