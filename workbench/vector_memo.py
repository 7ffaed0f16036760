"""The vectors of the documents being reviewed, kept in memory between corrections.

After each correction the editor re-aligns a few rows (`review.realign_around`); the
stretches it aligns are small, but the side offsets removed from every vector are taken
over the whole document, and fetching thousands of vectors from the embedding cache each
time would cost more than the alignment itself. A memo keeps the latest documents' vectors,
keyed by their texts, so a changed sentence makes them fresh. Pure computation: no SQLite.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from workbench.align import (
    AlignSettings,
    DocumentVectors,
    document_statistics,
    document_vectors,
)
from workbench.embed import Embedder


def texts_fingerprint(texts: Sequence[str]) -> str:
    """One digest of a side's texts, in order."""
    digest = hashlib.sha1()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


class VectorMemo:
    """The `DocumentVectors` of the last `size` documents (by model, settings and texts).

    One instance serves a whole process (the web server's threads share it: a lock keeps
    its order consistent); nothing is kept at import time.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def vectors(self, source: Sequence[str], target: Sequence[str], embedder: Embedder,
                settings: AlignSettings | None = None) -> DocumentVectors:
        """The document's vectors, computed (through `embedder` and its cache) only the
        first time these texts are seen with this model and settings."""
        settings = settings or AlignSettings()
        key = (getattr(embedder, "name", type(embedder).__name__),
               settings.remove_language_offset, texts_fingerprint(source),
               texts_fingerprint(target))
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
        vectors = document_vectors(source, target, embedder, settings)
        self._keep(key, vectors)
        return vectors

    def statistics(self, source: Sequence[str], target: Sequence[str], embedder: Embedder,
                   settings: AlignSettings | None = None, *,
                   source_paragraphs: Sequence[int] | None = None,
                   target_paragraphs: Sequence[int] | None = None,
                   ) -> tuple[tuple[float, float], float]:
        """The document's `document_statistics`, computed once per texts and settings."""
        settings = settings or AlignSettings()
        key = ("statistics", getattr(embedder, "name", type(embedder).__name__), settings,
               texts_fingerprint(source), texts_fingerprint(target),
               tuple(source_paragraphs or ()), tuple(target_paragraphs or ()))
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        statistics = document_statistics(
            source, target, self.vectors(source, target, embedder, settings), settings,
            source_paragraphs=source_paragraphs, target_paragraphs=target_paragraphs)
        self._keep(key, statistics)
        return statistics

    def _keep(self, key: tuple, value) -> None:
        with self._lock:
            self.misses += 1
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
