"""The best monotone path of links through a band of the grid, coarse to fine.

Small documents are searched over the whole grid. Larger ones are first
halved repeatedly (neighbouring sentences merged) until the grid is small, the
coarse grid is solved exactly, and each finer level is solved only in a band
around the projected coarse path (Vecalign's scheme). Time and memory then grow
linearly with the document length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from workbench.similarity import (
    Band,
    ScoreWeights,
    Side,
    band_cosines,
    link_scores,
    sentence_band,
    window_norms,
)

Shape = tuple[int, int]
PathLink = tuple[int, int, int, int]
"""(first source sentence, source count, first target sentence, target count)."""


@dataclass(frozen=True)
class SearchSettings:
    shapes: tuple[Shape, ...]
    weights: ScoreWeights
    skip_percentile: float
    """A 1-1 link must score above this percentile of random pairs to beat two omissions."""
    band_radius: int = 10
    """Cells searched on each side of the projected coarse path."""
    max_full_cells: int = 4_000_000
    """Grids up to this many cells are searched whole."""


@njit(cache=True)
def best_path_back(scores, lo, hi, start, shapes):
    """Forward pass of the DP: the shape index of the best link ending at each cell."""
    size = start[-1]
    best = np.full(size, -np.inf)
    back = np.full(size, -1, dtype=np.int8)
    rows = len(lo)
    for i in range(rows):
        for j in range(lo[i], hi[i]):
            cell = start[i] + j - lo[i]
            if i == 0 and j == 0:
                best[cell] = 0.0
                continue
            top = -np.inf
            choice = -1
            for k in range(len(shapes)):
                score = scores[cell, k]
                if score == -np.inf:
                    continue
                pi = i - shapes[k, 0]
                pj = j - shapes[k, 1]
                if pj < lo[pi] or pj >= hi[pi]:
                    continue
                value = best[start[pi] + pj - lo[pi]] + score
                if value > top:
                    top = value
                    choice = k
            best[cell] = top
            back[cell] = choice
    return back


def trace(back: np.ndarray, band: Band, shapes: np.ndarray) -> list[PathLink]:
    """Links (i0, a, j0, b) of the best path, first to last."""
    i, j = len(band.lo) - 1, int(band.hi[-1]) - 1
    links = []
    while i > 0 or j > 0:
        k = int(back[band.start[i] + j - band.lo[i]])
        if k < 0:
            raise RuntimeError("alignment search found no path: the band is too narrow")
        a, b = int(shapes[k, 0]), int(shapes[k, 1])
        links.append((i - a, a, j - b, b))
        i, j = i - a, j - b
    return links[::-1]


def band_around(path: list[PathLink], rows: int, columns: int,
                radius: int) -> Band:
    """Band over a grid twice as fine as that of `path` (nodes 0..rows, 0..columns)."""
    lo = np.full(rows + 1, columns + 1, dtype=np.int64)
    hi = np.zeros(rows + 1, dtype=np.int64)
    corners = [(0, 0)] + [(i0 + a, j0 + b) for i0, a, j0, b in path]
    for (i_start, j_start), (i_end, j_end) in zip(corners[:-1], corners[1:], strict=True):
        for i in range(min(2 * i_start, rows), min(2 * i_end, rows) + 1):
            lo[i] = min(lo[i], 2 * j_start)
            hi[i] = max(hi[i], min(2 * j_end, columns) + 1)
    # Widen, then make both limits non-decreasing so that every link stays inside.
    lo = np.minimum.accumulate(np.maximum(lo - radius, 0)[::-1])[::-1]
    widened = np.zeros_like(hi)
    for i in range(rows + 1):
        widened[i] = hi[max(0, i - radius) : i + radius + 1].max()
    hi = np.maximum.accumulate(np.minimum(widened + radius, columns + 1))
    lo[0] = 0
    hi[-1] = columns + 1
    return Band.from_limits(lo, hi)


class LevelScorer:
    """Link scores for one side pair inside one band, ready for the DP."""

    def __init__(self, source: Side, target: Side, band: Band, shapes: np.ndarray,
                 weights: ScoreWeights) -> None:
        self.source, self.target, self.band, self.shapes = source, target, band, shapes
        self.weights = weights
        self.max_size = int(shapes.max())
        self.cells = sentence_band(band, self.max_size, len(target))
        self.cosines = band_cosines(source.vectors, target.vectors, self.cells)
        self.source_norms = window_norms(source.vectors, self.max_size)
        self.target_norms = window_norms(target.vectors, self.max_size)
        self.source_cumlen = np.concatenate([[0.0], np.cumsum(source.lengths)])
        self.target_cumlen = np.concatenate([[0.0], np.cumsum(target.lengths)])
        total_target = self.target_cumlen[-1]
        self.ratio = self.source_cumlen[-1] / total_target if total_target else 1.0

    def scores(self, skip_score: float) -> np.ndarray:
        w = self.weights
        return link_scores(
            self.cosines, self.cells.lo, self.cells.hi, self.cells.start,
            self.band.lo, self.band.hi, self.band.start, self.shapes,
            self.source_norms, self.target_norms, self.source_cumlen, self.target_cumlen,
            self.ratio, self.source.paragraph_starts, self.target.paragraph_starts,
            w.margin_weight, w.length_weight, w.paragraph_weight, skip_score,
        )


def skip_score_for(source: Side, target: Side, weights: ScoreWeights,
                   percentile: float) -> float:
    """Half the given percentile of random-pair 1-1 scores (two omissions replace one link)."""
    from workbench.similarity import combine, length_factor

    rng = np.random.default_rng(1234)
    samples = min(4000, len(source) * len(target))
    rows = rng.integers(0, len(source), samples)
    columns = rng.integers(0, len(target), samples)
    cosines = np.einsum("ij,ij->i", source.vectors[rows], target.vectors[columns])
    # Neighbour cosines of random pairs: the mean with the two flanking sentences.
    flank = []
    for shift in (-1, 1):
        other = np.clip(columns + shift, 0, len(target) - 1)
        flank.append(np.einsum("ij,ij->i", source.vectors[rows], target.vectors[other]))
        other = np.clip(rows + shift, 0, len(source) - 1)
        flank.append(np.einsum("ij,ij->i", source.vectors[other], target.vectors[columns]))
    neighbour = np.mean(flank, axis=0)
    source_cumlen = np.concatenate([[0.0], np.cumsum(source.lengths)])
    target_cumlen = np.concatenate([[0.0], np.cumsum(target.lengths)])
    ratio = source_cumlen[-1] / target_cumlen[-1] if target_cumlen[-1] else 1.0
    scores = np.array([
        combine(c, nb, length_factor(source_cumlen, target_cumlen, ratio, i, 1, j, 1), 0,
                weights.margin_weight, weights.length_weight, 0.0)
        for c, nb, i, j in zip(cosines, neighbour, rows, columns, strict=True)
    ])
    return float(np.percentile(scores, percentile)) / 2


def search(source: Side, target: Side, settings: SearchSettings,
           level_hook: Callable | None = None) -> tuple[list[PathLink], LevelScorer]:
    """Best path of links (i0, a, j0, b) and the scorer of the finest level."""
    shapes = np.array(settings.shapes, dtype=np.int64)
    rows, columns = len(source), len(target)
    if (rows + 1) * (columns + 1) <= settings.max_full_cells or min(rows, columns) < 8:
        band = Band.full(rows + 1, columns + 1)
    else:
        coarse, _ = search(source.halved(), target.halved(), settings)
        band = band_around(coarse, rows, columns, settings.band_radius)
    skip = skip_score_for(source, target, settings.weights, settings.skip_percentile)
    scorer = LevelScorer(source, target, band, shapes, settings.weights)
    scores = scorer.scores(skip)
    if level_hook is not None:
        scores = level_hook(scorer, scores)
    back = best_path_back(scores, band.lo, band.hi, band.start, shapes)
    scorer.skip_score = skip
    scorer.last_scores = scores
    return trace(back, band, shapes), scorer
