"""How well a group of source sentences matches a group of target sentences.

Only single sentences are embedded. The vector of a window of consecutive
sentences is approximated by the sum of its sentence vectors, so its cosine with
another window is a block sum of sentence-to-sentence cosines divided by the
two window norms. Everything is computed inside a `Band` of the grid, so the
cost grows with the band's area, not with the product of the document lengths.

The score of a link (higher is better) combines:

- the cosine of the two windows, minus the mean cosine of each window with the
  sentences right next to the other one (Bertalign's margin: it discounts
  "hub" sentences that resemble everything);
- a length prior, `log2(1 + short / long)` of the two character lengths after
  correcting for the document-wide length ratio, raised to `length_weight`;
- a paragraph prior: a penalty for each paragraph boundary a link crosses and
  for a link that starts a paragraph on one side only;
- an anchor bonus: for each sentence of the link, the share of its numbers, names
  and cognate prefixes (`workbench.lexical`) found on the other side of the link;
- a stray-sentence check: a merge one of whose sentences resembles the other side
  less than a typical random pair does is penalised (it is probably an addition or
  omission swallowed by the merge);
- an unfinished-sentence check: a link that ends, on one side only, with a sentence
  ending in a colon, semicolon or comma is penalised (the thought goes on in the next
  sentence, so the link most likely ends too early there);
- debris stands alone: a sentence with neither a letter nor a digit never joins or
  faces a real sentence (`debris_misplaced`).

Pure numpy and numba; nothing here knows about files or models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from workbench.lexical import Anchors

NO_LINK = -np.inf


@dataclass(frozen=True)
class Band:
    """For each source row i, the target columns [lo[i], hi[i]) that are searched.

    Cells are stored row after row in flat arrays; `start[i]` is where row i begins.
    """

    lo: np.ndarray
    hi: np.ndarray
    start: np.ndarray

    @classmethod
    def from_limits(cls, lo: np.ndarray, hi: np.ndarray) -> Band:
        lo = np.asarray(lo, dtype=np.int64)
        hi = np.maximum(np.asarray(hi, dtype=np.int64), lo)
        start = np.zeros(len(lo) + 1, dtype=np.int64)
        np.cumsum(hi - lo, out=start[1:])
        return cls(lo, hi, start)

    @classmethod
    def full(cls, rows: int, columns: int) -> Band:
        return cls.from_limits(np.zeros(rows, np.int64), np.full(rows, columns, np.int64))

    @property
    def size(self) -> int:
        return int(self.start[-1])

    def arrays(self) -> BandArrays:
        return BandArrays(self.lo, self.hi, self.start)


class BandArrays(NamedTuple):
    """A `Band` as the numba kernels take it (they take named tuples, not dataclasses)."""

    lo: np.ndarray
    hi: np.ndarray
    start: np.ndarray


@dataclass(frozen=True)
class Side:
    """One side of the alignment as the scorer sees it."""

    vectors: np.ndarray
    """L2-normalised sentence vectors, one row per sentence."""
    lengths: np.ndarray
    """Length of each sentence in bytes."""
    paragraph_starts: np.ndarray
    """True where a sentence opens a paragraph (all False when paragraphs are unknown)."""
    anchors: Anchors
    """Numbers, names and cognates of each sentence (see `workbench.lexical`)."""
    unfinished: np.ndarray
    """True where a sentence ends with a colon, semicolon or comma (see `is_unfinished`)."""
    wordless: np.ndarray
    """True where a sentence has no letter and no digit (see `is_wordless`)."""

    @classmethod
    def build(cls, vectors: np.ndarray, texts, paragraphs=None) -> Side:
        lengths = np.array([len(text.encode("utf-8")) for text in texts], dtype=np.float64)
        starts = np.zeros(len(texts), dtype=np.bool_)
        if paragraphs is not None and len(paragraphs):
            paragraphs = np.asarray(paragraphs)
            starts[1:] = paragraphs[1:] != paragraphs[:-1]
        unfinished = np.array([is_unfinished(text) for text in texts], dtype=np.bool_)
        wordless = np.array([is_wordless(text) for text in texts], dtype=np.bool_)
        return cls(np.ascontiguousarray(vectors, dtype=np.float32), lengths, starts,
                   Anchors.build(texts), unfinished, wordless)

    def __len__(self) -> int:
        return len(self.lengths)

    def halved(self) -> Side:
        """Every two neighbouring sentences merged into one (for coarse searches)."""
        count = len(self)
        pairs = (count + 1) // 2
        vectors = np.zeros((pairs, self.vectors.shape[1]), dtype=np.float32)
        lengths = np.zeros(pairs)
        np.add.at(vectors, np.arange(count) // 2, self.vectors)
        np.add.at(lengths, np.arange(count) // 2, self.lengths)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        # A pair ends as its second (or only) sentence does; debris is only told apart in the
        # full search, which sees single sentences.
        unfinished = self.unfinished[np.minimum(np.arange(pairs) * 2 + 1, count - 1)]
        return Side(vectors / norms, lengths, np.zeros(pairs, dtype=np.bool_),
                    self.anchors.halved(), unfinished, np.zeros(pairs, dtype=np.bool_))


_CLOSING = "\"'»”’)] "
"""Closing quotes and brackets, looked past when reading a sentence's last mark."""


_WORD_CHARACTER = re.compile(r"[^\W_]")


def is_wordless(text: str) -> bool:
    """Whether a sentence has neither a letter nor a digit: OCR debris ("....", "- _-"), an
    ornament or a separator ("* * *"). It carries no meaning to merge with a real sentence."""
    return _WORD_CHARACTER.search(text) is None


def is_unfinished(text: str) -> bool:
    """Whether a sentence ends with a colon, semicolon or comma, so goes on in the next one
    ("Literatur :", "Il dit :", an OCR line broken at a comma)."""
    return text.rstrip().rstrip(_CLOSING).endswith((":", ";", ","))


LANGUAGE_OFFSET_PRIOR = 50
"""Sentences' worth of doubt about a side's average vector: on a side of n sentences, n / (n +
50) of the average is removed, so a short text, whose average is mostly its own content,
keeps its vectors nearly as they are."""


def language_offset(vectors: np.ndarray) -> np.ndarray:
    """What every sentence vector of one side has in common: mostly the language itself.

    Multilingual models place all sentences of one language a little apart from the other
    language; removing that shared offset leaves meaning to be compared."""
    count = len(vectors)
    if count == 0:
        return np.zeros(vectors.shape[1:], dtype=np.float32)
    return (count / (count + LANGUAGE_OFFSET_PRIOR) * vectors.mean(axis=0)).astype(np.float32)


def without_offset(vectors: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """`vectors` minus `offset`, scaled back to unit length."""
    moved = vectors - offset
    norms = np.linalg.norm(moved, axis=-1, keepdims=True)
    return np.ascontiguousarray(moved / np.maximum(norms, 1e-9), dtype=np.float32)


@dataclass(frozen=True)
class ScoreWeights:
    margin_weight: float = 1.0
    length_weight: float = 1.0
    paragraph_weight: float = 0.0
    member_weight: float = 0.0
    """Penalty per unit of cosine by which a merge's weakest sentence falls below the floor."""
    member_floor: float = 0.0
    """Cosine a sentence inside a merge should reach with the other side (set per document)."""
    lexical_weight: float = 0.0
    """Bonus for a link whose two sides share all their anchors (numbers, names, cognates)."""
    unfinished_weight: float = 0.0
    """Penalty for a link whose last sentence is unfinished on one side only."""


class Cells(NamedTuple):
    """What the kernels know of each sentence pair of a sentence band (see `sentence_band`)."""

    cosines: np.ndarray
    """Sentence-to-sentence cosine of each cell, flat (see `band_cosines`)."""
    shared: np.ndarray
    """Anchors (numbers, names, cognates) the two sentences of each cell share."""
    lo: np.ndarray
    hi: np.ndarray
    start: np.ndarray


class KernelSide(NamedTuple):
    """One side's arrays as the kernels read them: a `Side` plus what the search derives."""

    vectors: np.ndarray
    """L2-normalised sentence vectors."""
    norms: np.ndarray
    """norms[i, a]: norm of the sum of sentences i .. i+a-1 (see `window_norms`)."""
    cumulative_lengths: np.ndarray
    """Bytes before each sentence, and the total last (length + 1 entries)."""
    paragraph_starts: np.ndarray
    window_index: np.ndarray
    """`WindowVectors.index`: row of `windows` for (start, size), or -1."""
    windows: np.ndarray
    """`WindowVectors.vectors`: real embeddings of some multi-sentence windows."""
    anchor_counts: np.ndarray
    unfinished: np.ndarray
    wordless: np.ndarray


class KernelWeights(NamedTuple):
    """The weights of `ScoreWeights` and the document's constants, as the kernel takes them."""

    margin: float
    length: float
    paragraph: float
    member: float
    member_floor: float
    lexical: float
    unfinished: float
    skip_score: float
    """Score of a 1-0 or 0-1 link."""
    length_ratio: float
    """How much longer the source usually is than its translation."""


def sentence_band(band: Band, max_size: int, columns: int) -> Band:
    """The sentence pairs whose cosines the links ending inside `band` (and margins) read."""
    rows = len(band.lo) - 1
    ahead = np.minimum(np.arange(rows) + max_size + 1, rows)
    lo = np.maximum(band.lo[:rows] - max_size - 1, 0)
    hi = np.minimum(np.maximum.accumulate(band.hi)[ahead] + 1, columns)
    return Band.from_limits(lo, hi)


def band_cosines(source: np.ndarray, target: np.ndarray, band: Band) -> np.ndarray:
    """Sentence-to-sentence cosines for every cell of `band`, flat, float32."""
    out = np.empty(band.size, dtype=np.float32)
    rows = len(band.lo)
    if rows and np.all(band.lo == band.lo[0]) and np.all(band.hi == band.hi[0]):
        block = source @ target[band.lo[0] : band.hi[0]].T
        out[:] = block.reshape(-1)
        return out
    for i in range(rows):
        lo, hi, at = band.lo[i], band.hi[i], band.start[i]
        out[at : at + hi - lo] = target[lo:hi] @ source[i]
    return out


def window_norms(vectors: np.ndarray, max_size: int) -> np.ndarray:
    """norms[i, a] = norm of the sum of the vectors of sentences i .. i+a-1 (NaN past the end)."""
    count = len(vectors)
    neighbours = np.zeros((count, max_size), dtype=np.float64)
    for distance in range(1, max_size):
        if distance < count:
            neighbours[: count - distance, distance] = np.einsum(
                "ij,ij->i", vectors[: count - distance], vectors[distance:]
            )
    norms = np.full((count, max_size + 1), np.nan)
    for size in range(1, max_size + 1):
        if size > count:
            continue
        squared = np.full(count - size + 1, float(size))
        for first in range(size):
            for second in range(first + 1, size):
                squared += 2 * neighbours[first : count - size + 1 + first, second - first]
        norms[: count - size + 1, size] = np.sqrt(np.maximum(squared, 1e-12))
    return norms


@njit(cache=True)
def _cos(cosines, lo, hi, start, i, j):
    if j < lo[i] or j >= hi[i]:
        return np.nan
    return cosines[start[i] + j - lo[i]]


@dataclass(frozen=True)
class WindowVectors:
    """Real embeddings of some multi-sentence windows of one side.

    index[start, size] is the row of `vectors` holding the embedding of the
    `size` sentences from `start`, or -1 when that window was not embedded (its
    vector is then approximated by the sum of its sentence vectors).
    """

    index: np.ndarray
    vectors: np.ndarray

    @classmethod
    def none(cls, count: int, max_size: int, dimension: int) -> WindowVectors:
        return cls(np.full((count, max_size + 1), -1, dtype=np.int64),
                   np.zeros((0, dimension), dtype=np.float32))

    @classmethod
    def build(cls, count: int, max_size: int, embedded: dict[tuple[int, int], np.ndarray],
              dimension: int) -> WindowVectors:
        index = np.full((count, max_size + 1), -1, dtype=np.int64)
        vectors = np.zeros((len(embedded), dimension), dtype=np.float32)
        for row, ((start, size), vector) in enumerate(sorted(embedded.items())):
            index[start, size] = row
            vectors[row] = vector
        return cls(index, vectors)


@njit(cache=True)
def _window(sentences, windows_index, windows, start, size):
    if size == 1:
        return sentences[start]
    return windows[windows_index[start, size]]


@njit(cache=True)
def _has_window(windows_index, start, size):
    return size == 1 or windows_index[start, size] >= 0


@njit(cache=True)
def _embedded_parts(source_vectors, target_vectors, source_index, source_windows,
                    target_index, target_windows, i0, a, j0, b):
    u = _window(source_vectors, source_index, source_windows, i0, a)
    v = _window(target_vectors, target_index, target_windows, j0, b)
    cosine = np.dot(u, v)
    rows = source_vectors.shape[0]
    columns = target_vectors.shape[0]
    source_side = 0.0
    source_count = 0
    for j in (j0 - 1, j0 + b):
        if 0 <= j < columns:
            source_side += np.dot(u, target_vectors[j])
            source_count += 1
    target_side = 0.0
    target_count = 0
    for i in (i0 - 1, i0 + a):
        if 0 <= i < rows:
            target_side += np.dot(v, source_vectors[i])
            target_count += 1
    return cosine, _mean_of_means(source_side, source_count, target_side, target_count)


@njit(cache=True)
def _mean_of_means(first, first_count, second, second_count):
    total = 0.0
    parts = 0
    if first_count:
        total += first / first_count
        parts += 1
    if second_count:
        total += second / second_count
        parts += 1
    return total / parts if parts else 0.0


@njit(cache=True, inline="always")
def _flank_sums(cosines, slo, shi, sstart, start, size, other_start, other_size, other_count,
                norm, window_is_source):
    """Summed over the sentences just before and after the other side's window, the cosine
    of this side's window (start, size) with each; and how many such sentences there are."""
    total = 0.0
    count = 0
    for flank in (other_start - 1, other_start + other_size):
        if 0 <= flank < other_count:
            acc = 0.0
            ok = True
            for member in range(start, start + size):
                if window_is_source:
                    value = _cos(cosines, slo, shi, sstart, member, flank)
                else:
                    value = _cos(cosines, slo, shi, sstart, flank, member)
                if np.isnan(value):
                    ok = False
                    break
                acc += value
            if ok:
                total += acc / norm
                count += 1
    return total, count


@njit(cache=True)
def link_parts(cells, source, target, i0, a, j0, b):
    """(window cosine, neighbour cosine) of source i0..i0+a-1 with target j0..j0+b-1.

    Uses real window embeddings when both windows have one, else sums of sentences.
    `cells` is a `Cells`, `source` and `target` are `KernelSide`s.
    """
    cosines, slo, shi, sstart = cells.cosines, cells.lo, cells.hi, cells.start
    source_norms, target_norms = source.norms, target.norms
    source_vectors, target_vectors = source.vectors, target.vectors
    source_index, source_windows = source.window_index, source.windows
    target_index, target_windows = target.window_index, target.windows
    if (a > 1 or b > 1) and _has_window(source_index, i0, a) \
            and _has_window(target_index, j0, b):
        return _embedded_parts(source_vectors, target_vectors, source_index, source_windows,
                               target_index, target_windows, i0, a, j0, b)
    rows = len(slo)
    columns = target_norms.shape[0]
    total = 0.0
    for i in range(i0, i0 + a):
        for j in range(j0, j0 + b):
            value = _cos(cosines, slo, shi, sstart, i, j)
            if np.isnan(value):
                return np.nan, 0.0
            total += value
    norm_u = source_norms[i0, a]
    norm_v = target_norms[j0, b]
    cosine = total / (norm_u * norm_v)
    # Margin: each window against the single sentences flanking the other window.
    source_side, source_count = _flank_sums(cosines, slo, shi, sstart, i0, a, j0, b, columns,
                                            norm_u, True)
    target_side, target_count = _flank_sums(cosines, slo, shi, sstart, j0, b, i0, a, rows,
                                            norm_v, False)
    return cosine, _mean_of_means(source_side, source_count, target_side, target_count)


@njit(cache=True, inline="always")
def _weakest_against(cosines, slo, shi, sstart, members_start, members_size, window_start,
                     window_size, window_norm, window_sentences, window_index, windows,
                     member_vectors, members_are_source):
    """The lowest cosine of one side's sentences (members) with the other side's window: its
    real embedding when there is one, else the sum of its sentences (divided by its norm)."""
    real = _has_window(window_index, window_start, window_size)
    window_vector = _window(window_sentences, window_index, windows, window_start,
                            window_size) if real else window_sentences[window_start]
    weakest = 1.0
    for member in range(members_start, members_start + members_size):
        if real:
            value = np.dot(window_vector, member_vectors[member])
        else:
            value = 0.0
            for other in range(window_start, window_start + window_size):
                if members_are_source:
                    value += _cos(cosines, slo, shi, sstart, member, other)
                else:
                    value += _cos(cosines, slo, shi, sstart, other, member)
            value /= window_norm
        weakest = min(weakest, value)
    return weakest


@njit(cache=True)
def weakest_member(cells, source, target, i0, a, j0, b):
    """In a merge, the lowest cosine of one of its sentences with the other side (1.0 for 1-1).

    A sentence that resembles nothing on the other side is probably an addition or an
    omission swallowed by the merge."""
    cosines, slo, shi, sstart = cells.cosines, cells.lo, cells.hi, cells.start
    source_norms, target_norms = source.norms, target.norms
    source_vectors, target_vectors = source.vectors, target.vectors
    source_index, source_windows = source.window_index, source.windows
    target_index, target_windows = target.window_index, target.windows
    weakest = 1.0
    if b > 1:
        weakest = min(weakest, _weakest_against(
            cosines, slo, shi, sstart, j0, b, i0, a, source_norms[i0, a], source_vectors,
            source_index, source_windows, target_vectors, False))
    if a > 1:
        weakest = min(weakest, _weakest_against(
            cosines, slo, shi, sstart, i0, a, j0, b, target_norms[j0, b], target_vectors,
            target_index, target_windows, source_vectors, True))
    return weakest


@njit(cache=True)
def length_factor(source_cumlen, target_cumlen, ratio, i0, a, j0, b):
    source_length = source_cumlen[i0 + a] - source_cumlen[i0] + 1.0
    target_length = (target_cumlen[j0 + b] - target_cumlen[j0]) * ratio + 1.0
    return np.log2(1.0 + min(source_length, target_length) / max(source_length, target_length))


@njit(cache=True)
def paragraph_breaks(source_starts, target_starts, i0, a, j0, b):
    """Paragraph boundaries crossed inside the link, plus 1 if only one side opens one."""
    count = 0
    for i in range(i0 + 1, i0 + a):
        count += source_starts[i]
    for j in range(j0 + 1, j0 + b):
        count += target_starts[j]
    if source_starts[i0] != target_starts[j0]:
        count += 1
    return count


@njit(cache=True)
def combine(cosine, neighbour, lengths, breaks, margin_weight, length_weight, paragraph_weight):
    similarity = cosine - margin_weight * neighbour
    return similarity * lengths**length_weight - paragraph_weight * breaks


@njit(cache=True)
def anchor_coverage(shared, slo, shi, sstart, source_anchor_counts, target_anchor_counts,
                    i0, a, j0, b):
    """Half the sum, over the link's sentences, of the share of each one's anchors that the
    other side of the link contains (a sentence without anchors counts 0).

    It grows with the number of sentences whose numbers and names are matched, so a link
    earns the same whether its sentences are grouped in one link or split over several,
    as long as every sentence's anchors stay with it: it favours no link size."""
    total = 0.0
    for i in range(i0, i0 + a):
        if source_anchor_counts[i] == 0:
            continue
        found = 0.0
        for j in range(j0, j0 + b):
            if slo[i] <= j < shi[i]:
                found += shared[sstart[i] + j - slo[i]]
        total += min(found, source_anchor_counts[i]) / source_anchor_counts[i]
    for j in range(j0, j0 + b):
        if target_anchor_counts[j] == 0:
            continue
        found = 0.0
        for i in range(i0, i0 + a):
            if slo[i] <= j < shi[i]:
                found += shared[sstart[i] + j - slo[i]]
        total += min(found, target_anchor_counts[j]) / target_anchor_counts[j]
    return 0.5 * total


@njit(cache=True)
def debris_misplaced(source_wordless, target_wordless, i0, a, j0, b):
    """A wordless sentence may stand alone or face one other wordless sentence (a "* * *"
    separator on both sides), never join or face a real sentence."""
    source_count = 0
    for i in range(i0, i0 + a):
        source_count += source_wordless[i]
    target_count = 0
    for j in range(j0, j0 + b):
        target_count += target_wordless[j]
    if source_count == 0 and target_count == 0:
        return False
    return not (a == 1 and b == 1 and source_count == 1 and target_count == 1)


@njit(cache=True)
def link_scores(cells, band, shapes, source, target, weights, previous):
    """scores[cell, shape] for the link of that shape ending at that band cell.

    `cells` (`Cells`) are the sentence pairs the links read, `band` (`BandArrays`) the
    link ends searched, `shapes` the (source, target) sizes, one row each; `source` and
    `target` are `KernelSide`s and `weights` a `KernelWeights`. With `previous` (scores of
    the same band without window embeddings; an empty array otherwise) only the links that
    use an embedded window are recomputed.
    """
    lo, hi, start = band.lo, band.hi, band.start
    scores = np.full((start[-1], len(shapes)), NO_LINK, dtype=np.float32)
    reuse = previous.shape[0] == scores.shape[0]
    rows = len(lo)
    for i in range(rows):
        for j in range(lo[i], hi[i]):
            cell = start[i] + j - lo[i]
            for k in range(len(shapes)):
                a = shapes[k, 0]
                b = shapes[k, 1]
                i0 = i - a
                j0 = j - b
                if i0 < 0 or j0 < 0:
                    continue
                if a == 0 or b == 0:
                    scores[cell, k] = weights.skip_score
                    continue
                if debris_misplaced(source.wordless, target.wordless, i0, a, j0, b):
                    continue
                if reuse and not ((a > 1 and source.window_index[i0, a] >= 0)
                                  or (b > 1 and target.window_index[j0, b] >= 0)):
                    scores[cell, k] = previous[cell, k]
                    continue
                cosine, neighbour = link_parts(cells, source, target, i0, a, j0, b)
                if np.isnan(cosine):
                    continue
                lengths = length_factor(source.cumulative_lengths, target.cumulative_lengths,
                                        weights.length_ratio, i0, a, j0, b)
                breaks = paragraph_breaks(source.paragraph_starts, target.paragraph_starts,
                                          i0, a, j0, b)
                scores[cell, k] = combine(
                    cosine, neighbour, lengths, breaks, weights.margin, weights.length,
                    weights.paragraph)
                if weights.member > 0 and (a > 1 or b > 1):
                    weakest = weakest_member(cells, source, target, i0, a, j0, b)
                    if weakest < weights.member_floor:
                        scores[cell, k] -= weights.member * (weights.member_floor - weakest)
                if source.unfinished[i - 1] != target.unfinished[j - 1]:
                    scores[cell, k] -= weights.unfinished
                if weights.lexical > 0:
                    scores[cell, k] += weights.lexical * anchor_coverage(
                        cells.shared, cells.lo, cells.hi, cells.start, source.anchor_counts,
                        target.anchor_counts, i0, a, j0, b)
    return scores
