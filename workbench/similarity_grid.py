"""The editor's overview map: a document's sentence similarities pooled onto a small grid.

Pure numpy over the vectors the embedding cache holds (the aligner stored them), plus the
few the editor's corrections added: nothing here knows about Flask.
"""

from __future__ import annotations

import numpy as np
import sqlite_utils

from workbench import store
from workbench.embed import CachedEmbedder, Embedder, EmbedderPair, ModelLoadError, text_key

MAP_CELLS = 240
EXACT_MAP_LIMIT = 1_500_000
"""Above this many sentence pairs the grid compares bin centroids instead of every pair."""
MAP_EMBED_LIMIT = 200
"""Sentences the map embeds itself when their vectors are missing (or a tenth of those it
has, if more): enough for a day's corrections, never a whole unembedded document."""


def map_embedder(model: Embedder) -> Embedder:
    """The model whose cached vectors the map draws: a pair's first one (each model of a
    pair keeps its vectors under its own name)."""
    while isinstance(model, EmbedderPair):
        model = model.first
    return model


def document_map(db: sqlite_utils.Database, document_id: int, model: Embedder) -> dict:
    """The map of a stored document, drawn with `model`'s cached vectors (its first model
    for a pair): the counts of both sides, the model's name and the grid."""
    drawing = map_embedder(model)
    with store.snapshot(db):
        source = store.sentences(db, document_id, store.SOURCE)
        target = store.sentences(db, document_id, store.TARGET)
    grid = similarity_grid(db, drawing.name, [r["text"] for r in source],
                           [r["text"] for r in target], embedder=drawing)
    return {"model": drawing.name, "source_count": len(source),
            "target_count": len(target), **grid}


def similarity_grid(db: sqlite_utils.Database, model: str, source: list[str],
                    target: list[str], cells: int = MAP_CELLS,
                    embedder: Embedder | None = None) -> dict:
    """Pool the cosine similarities of cached vectors onto a grid of at most `cells`² bins.

    A few sentences without a cached vector (corrected or split by hand) are embedded with
    `embedder` (the model `model` names). A document whose vectors are mostly missing was
    never aligned with this model: the answer then has no matrix, and the page draws the
    alignment path alone rather than wait for a whole document to be embedded.
    """
    rows, cols = min(cells, len(source)), min(cells, len(target))
    empty = {"rows": rows, "cols": cols, "cells": None}
    if not rows or not cols:
        return empty
    cache = store.SqliteEmbeddingCache(db)
    keys_s, keys_t = [text_key(t) for t in source], [text_key(t) for t in target]
    found = cache.get_vectors(model, sorted(set(keys_s) | set(keys_t)))
    missing = {key: text for key, text in zip(keys_s + keys_t, source + target, strict=True)
               if key not in found}
    if missing and embedder is not None and found and \
            len(missing) <= max(MAP_EMBED_LIMIT, len(found) // 10):
        try:
            vectors = CachedEmbedder(embedder, cache).encode(list(missing.values()))
        except ModelLoadError:
            return empty
        found.update(zip(missing, vectors, strict=True))
    if any(k not in found for k in keys_s) or any(k not in found for k in keys_t):
        return empty
    vs = np.stack([found[k] for k in keys_s])
    vt = np.stack([found[k] for k in keys_t])
    col_starts = (np.arange(cols) * len(target)) // cols
    row_starts = (np.arange(rows) * len(source)) // rows
    if len(source) * len(target) > EXACT_MAP_LIMIT:
        # Long documents: compare the centroids of the bins instead (cheap, and a
        # stretch of translated sentences still stands out against unrelated ones).
        grid = _centroids(vs, row_starts) @ _centroids(vt, col_starts).T
    else:
        grid = np.empty((rows, cols), dtype=np.float32)
        for r in range(rows):
            stop = row_starts[r + 1] if r + 1 < rows else len(source)
            block = vs[row_starts[r] : stop] @ vt.T
            grid[r] = np.maximum.reduceat(block.max(axis=0), col_starts)
    scaled = np.clip(grid, 0.0, 1.0) * 255
    return {"rows": rows, "cols": cols,
            "cells": scaled.round().astype(np.uint8).ravel().tolist()}


def _centroids(vectors: np.ndarray, starts: np.ndarray) -> np.ndarray:
    sums = np.add.reduceat(vectors, starts, axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return sums / norms
