"""The best monotone path of links through a band of the grid, coarse to fine.

Small documents are searched over the whole grid. Larger ones are first
halved repeatedly (neighbouring sentences merged) until the grid is small, the
coarse grid is solved exactly, and each finer level is solved only in a band
around the projected coarse path (Vecalign's scheme). Time and memory then grow
linearly with the document length.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numba import njit

from workbench.lexical import Anchors, band_shared, shared_count
from workbench.similarity import (
    Band,
    Cells,
    KernelSide,
    KernelWeights,
    ScoreWeights,
    Side,
    WindowVectors,
    band_cosines,
    combine,
    length_factor,
    link_parts,
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
    """A 1-0 or 0-1 link scores this percentile of the scores of random 1-1 pairs."""
    stray_floor_percentile: float = 50.0
    """A sentence inside a merge whose cosine with the other side is below this percentile
    of random-pair cosines counts as a stray (see `ScoreWeights.member_weight`)."""
    band_radius: int = 10
    """Cells searched on each side of the projected coarse path."""
    max_full_cells: int = 4_000_000
    """Grids up to this many cells get a rough search over the whole grid (simple links
    only); larger ones a coarse-to-fine one. Either way, the full search runs in a band."""
    rough_shapes: tuple[Shape, ...] = ((1, 0), (0, 1), (1, 1), (1, 2), (2, 1))
    baselines: tuple[float, float] | None = None
    """(score of a 1-0 or 0-1 link, stray floor) measured on a larger text than the sides
    searched (`document_baselines` of the whole document): a short stretch aligned alone
    keeps the document's idea of a random pair. None: measured on the sides searched."""
    length_ratio: float | None = None
    """The document's length ratio, likewise (None: that of the sides searched)."""


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
    return best, back


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


def band_around(path: list[PathLink], rows: int, columns: int, radius: int,
                scale: int = 2) -> Band:
    """Band around `path`, on a grid `scale` times as fine (nodes 0..rows, 0..columns)."""
    lo = np.full(rows + 1, columns + 1, dtype=np.int64)
    hi = np.zeros(rows + 1, dtype=np.int64)
    corners = [(0, 0)] + [(i0 + a, j0 + b) for i0, a, j0, b in path]
    for (i_start, j_start), (i_end, j_end) in zip(corners[:-1], corners[1:], strict=True):
        for i in range(min(scale * i_start, rows), min(scale * i_end, rows) + 1):
            lo[i] = min(lo[i], scale * j_start)
            hi[i] = max(hi[i], min(scale * j_end, columns) + 1)
    # Widen, then make both limits non-decreasing so that every link stays inside.
    lo = np.minimum.accumulate(np.maximum(lo - radius, 0)[::-1])[::-1]
    widened = np.zeros_like(hi)
    for i in range(rows + 1):
        widened[i] = hi[max(0, i - radius) : i + radius + 1].max()
    hi = np.maximum.accumulate(np.minimum(widened + radius, columns + 1))
    lo[0] = 0
    hi[-1] = columns + 1
    return Band.from_limits(lo, hi)


RATIO_PRIOR_BYTES = 1000.0
"""Both totals get this many bytes added before the ratio is taken, so that on a short text
one odd sentence cannot skew it (on a book the prior is negligible)."""


def length_ratio(source_bytes: float, target_bytes: float) -> float:
    """How much longer the source usually is than its translation."""
    return (source_bytes + RATIO_PRIOR_BYTES) / (target_bytes + RATIO_PRIOR_BYTES)


class LevelScorer:
    """Link scores for one side pair inside one band, ready for the DP."""

    def __init__(self, source: Side, target: Side, band: Band, shapes: np.ndarray,
                 weights: ScoreWeights, windows: tuple[WindowVectors, WindowVectors] | None = None,
                 ratio: float | None = None) -> None:
        self.source, self.target, self.band, self.shapes = source, target, band, shapes
        self.weights = weights
        self.max_size = int(shapes.max())
        dimension = source.vectors.shape[1]
        self.windows = windows or (
            WindowVectors.none(len(source), self.max_size, dimension),
            WindowVectors.none(len(target), self.max_size, dimension),
        )
        cells = sentence_band(band, self.max_size, len(target))
        source_anchors = source.anchors
        target_anchors = target.anchors
        shared = band_shared(source_anchors.ids, source_anchors.start, target_anchors.ids,
                             target_anchors.start, cells.lo, cells.hi, cells.start)
        self.cells = Cells(band_cosines(source.vectors, target.vectors, cells), shared,
                           cells.lo, cells.hi, cells.start)
        self.source_side = self._kernel_side(source, self.windows[0])
        self.target_side = self._kernel_side(target, self.windows[1])
        self.ratio = ratio if ratio is not None else length_ratio(
            self.source_side.cumulative_lengths[-1], self.target_side.cumulative_lengths[-1])
        self.skip_score = 0.0
        """Score of a 1-0 or 0-1 link in this document (set by `search`)."""
        self.best: np.ndarray | None = None
        """Best path score to each band cell (set by `search`, read by `window_candidates`)."""

    def _kernel_side(self, side: Side, windows: WindowVectors) -> KernelSide:
        return KernelSide(
            vectors=side.vectors, norms=window_norms(side.vectors, self.max_size),
            cumulative_lengths=np.concatenate([[0.0], np.cumsum(side.lengths)]),
            paragraph_starts=side.paragraph_starts, window_index=windows.index,
            windows=windows.vectors, anchor_counts=side.anchors.counts(),
            unfinished=side.unfinished, wordless=side.wordless)

    def scores(self, skip_score: float, previous: np.ndarray | None = None) -> np.ndarray:
        """Link scores; `previous` (from the same band, no windows) saves recomputing."""
        w = self.weights
        if previous is None:
            previous = np.zeros((0, len(self.shapes)), dtype=np.float32)
        weights = KernelWeights(
            margin=w.margin_weight, length=w.length_weight, paragraph=w.paragraph_weight,
            member=w.member_weight, member_floor=w.member_floor, lexical=w.lexical_weight,
            unfinished=w.unfinished_weight, skip_score=skip_score, length_ratio=self.ratio)
        return link_scores(self.cells, self.band.arrays(), self.shapes, self.source_side,
                           self.target_side, weights, previous)

    def parts(self, i0: int, a: int, j0: int, b: int) -> tuple[float, float, float]:
        """(cosine, neighbour cosine, length factor) of one link with both sides non-empty."""
        cosine, neighbour = link_parts(self.cells, self.source_side, self.target_side,
                                       i0, a, j0, b)
        lengths = length_factor(self.source_side.cumulative_lengths,
                                self.target_side.cumulative_lengths, self.ratio, i0, a, j0, b)
        return float(cosine), float(neighbour), float(lengths)


def window_candidates(path: list[PathLink], scorer: LevelScorer, scores: np.ndarray,
                      reach: int, slack: float) -> tuple[set, set]:
    """Multi-sentence windows worth embedding: those of links ending within `reach` of a
    node of `path` that the search nearly chose (a path through them would score at most
    `slack` below the best path to the same cell)."""
    band = scorer.band
    nodes = np.array([(i0 + a, j0 + b) for i0, a, j0, b in path], dtype=np.int64)
    offsets = np.arange(-reach, reach + 1)
    rows = (nodes[:, 0, None, None] + offsets[None, :, None]).repeat(len(offsets), 2).ravel()
    columns = (nodes[:, 1, None, None] + offsets[None, None, :]).repeat(len(offsets), 1).ravel()
    inside = (rows >= 0) & (rows < len(band.lo))
    rows, columns = rows[inside], columns[inside]
    inside = (columns >= band.lo[rows]) & (columns < band.hi[rows])
    rows, columns = rows[inside], columns[inside]
    cells = np.unique(band.start[rows] + columns - band.lo[rows])
    row_of_cell = np.searchsorted(band.start, cells, side="right") - 1
    column_of_cell = cells - band.start[row_of_cell] + band.lo[row_of_cell]
    source_keys, target_keys = set(), set()
    for k, (a, b) in enumerate(scorer.shapes):
        if a == 0 or b == 0 or (a == 1 and b == 1):
            continue
        previous_rows = row_of_cell - a
        previous_columns = column_of_cell - b
        valid = (previous_rows >= 0) & (previous_columns >= 0)
        valid[valid] &= (previous_columns[valid] >= band.lo[previous_rows[valid]]) & (
            previous_columns[valid] < band.hi[previous_rows[valid]])
        good = np.zeros(len(cells), dtype=bool)
        previous = (band.start[previous_rows[valid]] + previous_columns[valid]
                    - band.lo[previous_rows[valid]])
        good[valid] = (scorer.best[previous] + scores[cells[valid], k]
                       >= scorer.best[cells[valid]] - slack)
        for i, j in zip(row_of_cell[good], column_of_cell[good], strict=True):
            if a > 1:
                source_keys.add((int(i - a), int(a)))
            if b > 1:
                target_keys.add((int(j - b), int(b)))
    return source_keys, target_keys


def document_baselines(source: Side, target: Side, weights: ScoreWeights, skip_percentile: float,
                       floor_percentile: float) -> tuple[float, float]:
    """What wrong links look like in this document, with this model: random sentence pairs.

    Returns the score of a 1-0 or 0-1 link (the `skip_percentile` of random-pair 1-1
    scores) and the stray-sentence floor (the `floor_percentile` of random-pair
    cosines). Both adapt to the document and the model instead of being constants."""
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
    ratio = length_ratio(source_cumlen[-1], target_cumlen[-1])
    scores = np.array([
        combine(c, nb, length_factor(source_cumlen, target_cumlen, ratio, i, 1, j, 1), 0,
                weights.margin_weight, weights.length_weight, 0.0)
        for c, nb, i, j in zip(cosines, neighbour, rows, columns, strict=True)
    ])
    if weights.lexical_weight > 0:
        scores += weights.lexical_weight * _random_pair_overlaps(
            source.anchors, target.anchors, rows, columns)
    return (float(np.percentile(scores, skip_percentile)),
            float(np.percentile(cosines, floor_percentile)))


def _random_pair_overlaps(source: Anchors, target: Anchors, rows, columns) -> np.ndarray:
    """Anchor coverage of the given sentence pairs, as `anchor_coverage` scores a 1-1."""
    source_counts, target_counts = source.counts(), target.counts()
    out = np.zeros(len(rows))
    for k, (i, j) in enumerate(zip(rows, columns, strict=True)):
        shared = shared_count(source.ids, source.start, i, target.ids, target.start, j)
        if shared:
            out[k] = 0.5 * (shared / source_counts[i] + shared / target_counts[j])
    return out


def _band_settings(settings: SearchSettings) -> SearchSettings:
    """Settings of the rough searches that only steer the band: simple link shapes are enough,
    and the band follows meaning alone. Anchor words refine links inside it but may not steer
    it: a run of look-alike numbers (list items, page or footnote numbers that do not
    correspond) could otherwise pull the whole band off the true path."""
    return replace(settings, shapes=settings.rough_shapes,
                   weights=replace(settings.weights, lexical_weight=0.0), baselines=None,
                   length_ratio=None)


def search(source: Side, target: Side, settings: SearchSettings, *,
           band: Band | None = None,
           windows: tuple[WindowVectors, WindowVectors] | None = None,
           previous_scores: np.ndarray | None = None,
           ) -> tuple[list[PathLink], LevelScorer, np.ndarray]:
    """Best path of links, with the scorer and link scores of the finest level.

    `band` skips the coarse levels (reuse the band of an earlier search);
    `windows` are real embeddings of some multi-sentence windows; `previous_scores`
    are the scores of the same band without them.
    """
    shapes = np.array(settings.shapes, dtype=np.int64)
    rows, columns = len(source), len(target)
    if band is not None:
        pass
    elif min(rows, columns) <= 2 * settings.band_radius:
        band = Band.full(rows + 1, columns + 1)
    elif (rows + 1) * (columns + 1) <= settings.max_full_cells:
        rough = _band_settings(settings)
        path, _, _ = search(source, target, rough, band=Band.full(rows + 1, columns + 1))
        band = band_around(path, rows, columns, settings.band_radius, scale=1)
    else:
        coarse_settings = _band_settings(settings)
        coarse, _, _ = search(source.halved(), target.halved(), coarse_settings)
        band = band_around(coarse, rows, columns, settings.band_radius)
    skip, floor = settings.baselines or document_baselines(
        source, target, settings.weights, settings.skip_percentile,
        settings.stray_floor_percentile)
    weights = replace(settings.weights, member_floor=floor)
    scorer = LevelScorer(source, target, band, shapes, weights, windows,
                         ratio=settings.length_ratio)
    scorer.skip_score = skip
    scores = scorer.scores(skip, previous_scores)
    best, back = best_path_back(scores, band.lo, band.hi, band.start, shapes)
    scorer.best = best
    return trace(back, band, shapes), scorer, scores
