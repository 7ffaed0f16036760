"""The chance that a link is exactly right, from a few features of the link.

A logistic model. Its coefficients were fitted once, on the development gold
(`bench/accuracy.py --fit-confidence`, all development documents pooled), and are
kept here as named constants; no document is special-cased.
"""

from __future__ import annotations

import math

# Fitted on the development gold; see the module docstring.
INTERCEPT = 0.0
MARGIN_COEFFICIENT = 8.0
COSINE_COEFFICIENT = 0.0
LENGTH_COEFFICIENT = 0.0
MERGE_COEFFICIENT = 0.0
OMISSION_INTERCEPT = -1.0


def link_features(a: int, b: int, cosine: float, neighbour: float,
                  lengths: float) -> tuple[float, ...]:
    return (cosine - neighbour, cosine, lengths, float(max(a, b) > 1))


def link_confidence(a: int, b: int, cosine: float = 0.0, neighbour: float = 0.0,
                    lengths: float = 0.0) -> float:
    if a == 0 or b == 0:
        return _sigmoid(OMISSION_INTERCEPT)
    margin, cos, length, merge = link_features(a, b, cosine, neighbour, lengths)
    return _sigmoid(INTERCEPT + MARGIN_COEFFICIENT * margin + COSINE_COEFFICIENT * cos
                    + LENGTH_COEFFICIENT * length + MERGE_COEFFICIENT * merge)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
