"""Anchor words that survive translation: numbers, names and cognates.

Embeddings are good at meaning and weak at the things a translator checks first
when two passages look alike: the same altitude, date or page number, the same
place or person's name. Those strings usually pass through translation
unchanged or nearly so (Kangchendzönga / Kangchenjunga, expédition /
Expedition). They need no dictionary and no model, so they work for any pair of
languages written in the same script.

A sentence's anchors are its numbers (every run of digits) and the first
`PREFIX` letters, lower-cased and without accents, of each word of at least
`PREFIX` letters. Two sentences share an anchor when those strings are equal.
Anchors that recur all over one side (`COMMON_SHARE`) are dropped, as a search
engine ignores words found in every document.
Anchors are stored as sorted integer ids so that the scorer can intersect them
inside numba kernels.

Pure Python, numpy and numba; nothing here knows about files or models.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

PREFIX = 5
"""Letters of a word kept as its anchor: long enough to rule out most chance matches
between two languages, short enough to survive inflection and spelling shifts."""

COMMON_SHARE = 0.01
"""An anchor found in more than this share of a side's sentences (and in more than
`COMMON_COUNT`) is dropped: the subject of the whole text ("Himalaya" in a Himalaya chronicle,
the year of a yearbook, "Alice" in Alice) says little about which sentence matches which."""
COMMON_COUNT = 3

_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")


def _fold(word: str) -> str:
    """Lower case without accents: 'Expédition' and 'expedition' fold alike."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def anchor_words(text: str) -> set[str]:
    """The numbers and folded word prefixes of one sentence."""
    anchors = {"#" + (number.lstrip("0") or "0") for number in _NUMBER.findall(text)}
    for word in _WORD.findall(text):
        if len(word) >= PREFIX:
            anchors.add(_fold(word)[:PREFIX])
    return anchors


@dataclass(frozen=True)
class Anchors:
    """The anchor ids of each sentence of one side, in compressed rows.

    ids[start[i]:start[i + 1]] are sentence i's ids, sorted and distinct.
    """

    ids: np.ndarray
    start: np.ndarray

    @classmethod
    def build(cls, texts: Sequence[str]) -> Anchors:
        """The anchors of each sentence of one side, without those common on that side."""
        rows = [np.unique(np.array([zlib.crc32(word.encode("utf-8"))
                                    for word in anchor_words(text)], dtype=np.int64))
                for text in texts]
        if rows:
            ids, sentences = np.unique(np.concatenate(rows), return_counts=True)
            common = ids[sentences > max(COMMON_COUNT, COMMON_SHARE * len(rows))]
            rows = [row[~np.isin(row, common)] for row in rows]
        return cls.from_rows(rows)

    @classmethod
    def from_rows(cls, rows: Sequence[np.ndarray]) -> Anchors:
        start = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in rows], out=start[1:])
        ids = np.concatenate(rows).astype(np.int64) if len(rows) else np.zeros(0, np.int64)
        return cls(ids, start)

    def counts(self) -> np.ndarray:
        return np.diff(self.start).astype(np.float64)

    def halved(self) -> Anchors:
        """Every two neighbouring sentences' anchors together (for coarse searches)."""
        count = len(self.start) - 1
        rows = [np.unique(self.ids[self.start[i] : self.start[min(i + 2, count)]])
                for i in range(0, count, 2)]
        return Anchors.from_rows(rows)


@njit(cache=True)
def shared_count(first_ids, first_start, i, second_ids, second_start, j):
    """How many anchors sentence i of one side shares with sentence j of the other."""
    p, p_end = first_start[i], first_start[i + 1]
    q, q_end = second_start[j], second_start[j + 1]
    shared = 0
    while p < p_end and q < q_end:
        if first_ids[p] == second_ids[q]:
            shared += 1
            p += 1
            q += 1
        elif first_ids[p] < second_ids[q]:
            p += 1
        else:
            q += 1
    return shared


@njit(cache=True)
def band_shared(source_ids, source_start, target_ids, target_start, lo, hi, start):
    """Shared anchors of every sentence pair in a band (same layout as the band's cosines)."""
    out = np.zeros(start[-1], dtype=np.float32)
    for i in range(len(lo)):
        if source_start[i + 1] == source_start[i]:
            continue
        for j in range(lo[i], hi[i]):
            out[start[i] + j - lo[i]] = shared_count(source_ids, source_start, i,
                                                     target_ids, target_start, j)
    return out

