"""The calibrated confidence of a row that a person reshaped, as the aligner would give it.

The aligner scores each link of its path with `workbench.confidence.link_confidence`, from
features of the link in its document: the cosine of its two sides (each side a sentence
vector, or the embedding of the joined text of a multi-sentence side), the mean cosine of
each side with the sentences flanking the other side (the margin), a length factor
corrected by the document's length ratio, the link's shape, whether a neighbouring row
leaves a sentence alone, and how much better a one-sentence shift of one of its boundaries
would match (`confidence.boundary_margins`, from the sentence vectors). Vectors are
compared after removing each side's common offset (mostly its language).

A row that was merged, split, shifted or had its text corrected is scored here from the
same features, computed the same way over the whole document, so a row put back as the
aligner had it gets back the aligner's score, and every score means the same thing: the
estimated chance that the row is exactly right.

Pure numpy: the caller gives the texts, the vectors and the rows; nothing here knows about
SQLite, Flask or which model made the vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from workbench.confidence import boundary_margins, link_confidence
from workbench.search import length_ratio
from workbench.similarity import language_offset, without_offset

Encode = Callable[[list[str]], np.ndarray]
"""Texts to L2-normalised vectors (the aligner's embedder, usually behind its cache)."""


@dataclass(frozen=True)
class Row:
    """One row of a document: the positions of its source and target sentences, in order."""

    source: tuple[int, ...]
    target: tuple[int, ...]

    @property
    def alone(self) -> bool:
        """A 1-0 or 0-1 row: a sentence without a counterpart."""
        return not self.source or not self.target


@dataclass(frozen=True)
class DocumentSide:
    """One side of a document as the aligner compares it."""

    texts: list[str]
    raw: np.ndarray
    """The model's sentence vectors, one row per sentence."""
    offset: np.ndarray
    """The side's common offset (`language_offset`), removed before comparing."""
    lengths: np.ndarray
    """Each sentence's length in UTF-8 bytes, as the aligner measures it."""

    @classmethod
    def build(cls, texts: Sequence[str], vectors: np.ndarray) -> DocumentSide:
        vectors = np.asarray(vectors, dtype=np.float32)
        offset = language_offset(vectors) if len(vectors) else np.zeros(1, np.float32)
        lengths = np.array([len(text.encode("utf-8")) for text in texts], dtype=np.float64)
        return cls(list(texts), vectors, offset, lengths)

    def __len__(self) -> int:
        return len(self.texts)

    def vector(self, position: int) -> np.ndarray:
        """One sentence's vector as the aligner compares it: offset removed, unit length.
        (Only the few a row needs are computed: a long document has thousands.)"""
        return without_offset(self.raw[position], self.offset)

    def window(self, positions: tuple[int, ...], encode: Encode) -> np.ndarray:
        """A side of a row as one vector: the sentence's own vector, or the embedding of the
        sentences' joined text (as the aligner embeds the groups on its path)."""
        if len(positions) == 1:
            return self.vector(positions[0])
        joined = " ".join(self.texts[p] for p in positions)
        vector = np.asarray(encode([joined]), dtype=np.float32)
        return without_offset(vector, self.offset)[0]


def row_confidence(source: DocumentSide, target: DocumentSide, rows: Sequence[Row], index: int,
                   encode: Encode) -> float:
    """The calibrated confidence of `rows[index]`, the rows being the whole document in order."""
    row = rows[index]
    if row.alone:
        return link_confidence(len(row.source), len(row.target))
    u = source.window(row.source, encode)
    v = target.window(row.target, encode)
    cosine = float(u @ v)
    neighbour = _mean_of_means(
        _flank_cosines(u, target, row.target),
        _flank_cosines(v, source, row.source),
    )
    lengths = length_factor(source, target, row)
    beside = any(0 <= k < len(rows) and rows[k].alone for k in (index - 1, index + 1))
    return link_confidence(len(row.source), len(row.target), cosine, neighbour, lengths, beside,
                           boundary_margin(source, target, row))


def boundary_margin(source: DocumentSide, target: DocumentSide, row: Row) -> float:
    """`confidence.boundary_margins` of one row with sentences on both sides, from the vectors
    of its sentences and the one either side (all a one-sentence shift reaches)."""
    first_source, first_target = max(row.source[0] - 1, 0), max(row.target[0] - 1, 0)
    source_vectors = np.array([source.vector(p) for p in
                               range(first_source, min(row.source[-1] + 2, len(source)))])
    target_vectors = np.array([target.vector(p) for p in
                               range(first_target, min(row.target[-1] + 2, len(target)))])
    (margin,) = boundary_margins(source_vectors, target_vectors, [
        (row.source[0] - first_source, len(row.source), row.target[0] - first_target,
         len(row.target))])
    return margin


def _flank_cosines(window: np.ndarray, other: DocumentSide, positions: tuple[int, ...]
                   ) -> list[float]:
    """Cosines of one side's window with the sentences just before and after the other side."""
    flanks = (positions[0] - 1, positions[-1] + 1)
    return [float(window @ other.vector(k)) for k in flanks if 0 <= k < len(other)]


def _mean_of_means(first: list[float], second: list[float]) -> float:
    means = [sum(values) / len(values) for values in (first, second) if values]
    return sum(means) / len(means) if means else 0.0


def length_factor(source: DocumentSide, target: DocumentSide, row: Row) -> float:
    """log2(1 + short / long) of the row's two lengths, after the document's length ratio."""
    ratio = length_ratio(float(source.lengths.sum()), float(target.lengths.sum()))
    source_length = sum(source.lengths[p] for p in row.source) + 1.0
    target_length = sum(target.lengths[p] for p in row.target) * ratio + 1.0
    return float(np.log2(1.0 + min(source_length, target_length)
                         / max(source_length, target_length)))
