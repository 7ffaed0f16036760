"""Find the best monotone path of links between two lists of sentences.

Pure computation: it asks an embedder for vectors and knows nothing of files,
SQLite or Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.embed import Embedder


@dataclass(frozen=True)
class Link:
    """Source and target sentence indices (0-based, consecutive) and a confidence in [0, 1]."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    score: float = 0.0


@dataclass(frozen=True)
class AlignSettings:
    """Knobs a translator can reason about."""

    max_link_size: int = 2
    """Most sentences on one side of a link (2 allows 1-2 and 2-1)."""
    omission_penalty: float = 0.3
    """Similarity a sentence must reach before it is linked rather than left alone."""


LINK_SHAPES_BASE = ((1, 1), (1, 0), (0, 1))


def link_shapes(max_link_size: int) -> list[tuple[int, int]]:
    shapes = list(LINK_SHAPES_BASE)
    for size in range(2, max_link_size + 1):
        shapes += [(1, size), (size, 1)]
    return shapes


def _window_texts(sentences: Sequence[str], size: int) -> list[str]:
    return [" ".join(sentences[i : i + size]) for i in range(len(sentences) - size + 1)]


def _window_vectors(sentences: Sequence[str], embedder: Embedder, max_size: int):
    vectors = {}
    for size in range(1, max_size + 1):
        texts = _window_texts(sentences, size)
        if texts:
            vectors[size] = embedder.encode(texts)
    return vectors


def _align_span(
    source: Sequence[str], target: Sequence[str], embedder: Embedder, settings: AlignSettings
) -> list[Link]:
    n, m = len(source), len(target)
    if n == 0 or m == 0:
        return [Link((i,), ()) for i in range(n)] + [Link((), (j,)) for j in range(m)]
    shapes = link_shapes(settings.max_link_size)
    src_vectors = _window_vectors(source, embedder, settings.max_link_size)
    tgt_vectors = _window_vectors(target, embedder, settings.max_link_size)
    best = np.full((n + 1, m + 1), -np.inf)
    back = np.zeros((n + 1, m + 1, 2), dtype=np.int64)
    best[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            for a, b in shapes:
                if a > i or b > j:
                    continue
                previous = best[i - a, j - b]
                if previous == -np.inf:
                    continue
                if a == 0 or b == 0:
                    gain = 0.0
                else:
                    similarity = float(src_vectors[a][i - a] @ tgt_vectors[b][j - b])
                    gain = (similarity - settings.omission_penalty) * (a + b) / 2
                if previous + gain > best[i, j]:
                    best[i, j] = previous + gain
                    back[i, j] = (a, b)
    links = []
    i, j = n, m
    while i > 0 or j > 0:
        a, b = back[i, j]
        source_ids = tuple(range(i - a, i))
        target_ids = tuple(range(j - b, j))
        if a and b:
            similarity = float(src_vectors[a][i - a] @ tgt_vectors[b][j - b])
            score = float(np.clip(similarity, 0.0, 1.0))
        else:
            score = 0.0
        links.append(Link(source_ids, target_ids, score))
        i, j = i - a, j - b
    return links[::-1]


def align(
    source: Sequence[str],
    target: Sequence[str],
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    source_paragraphs: Sequence[int] | None = None,
    target_paragraphs: Sequence[int] | None = None,
    anchors: Sequence[Link] = (),
) -> list[Link]:
    """Links covering every sentence of both sides once, in order.

    `anchors` (confirmed links) are kept as they are; the spans between them
    are aligned independently.
    """
    settings = settings or AlignSettings()
    links: list[Link] = []
    i = j = 0
    for anchor in sorted(anchors, key=lambda link: (link.source[:1], link.target[:1])):
        end_i = anchor.source[0] if anchor.source else i
        end_j = anchor.target[0] if anchor.target else j
        links += _shift(_align_span(source[i:end_i], target[j:end_j], embedder, settings), i, j)
        links.append(anchor)
        i = anchor.source[-1] + 1 if anchor.source else i
        j = anchor.target[-1] + 1 if anchor.target else j
    links += _shift(_align_span(source[i:], target[j:], embedder, settings), i, j)
    return links


def _shift(links: list[Link], di: int, dj: int) -> list[Link]:
    return [
        Link(tuple(x + di for x in link.source), tuple(y + dj for y in link.target), link.score)
        for link in links
    ]
