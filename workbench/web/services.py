"""The web app's shared services, made once in `create_app` and kept in `app.extensions`.

One embedder for the whole app (the model `workbench serve --model` names, or `EMBEDDER`
from the configuration in tests): the editor's scores, re-alignment, the overview map,
the imports and the term lookup all use it, so one copy of the model is loaded, lazily,
on first use and never when the app is made. The blueprints ask for it here and only
translate HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sqlite_utils
from flask import Flask, current_app

from workbench import embed, store
from workbench.embed import DEFAULT_MODEL, Embedder, with_cache
from workbench.review_scorer import StoredRowScorer
from workbench.similarity_grid import document_map
from workbench.vector_memo import VectorMemo

EXTENSION_KEY = "workbench_services"


class Services:
    """The database path, the embedder behind one lock, the scorer, the map, and the
    vectors of the documents being reviewed."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        # The configuration is read when a service is first used: tests may set EMBEDDER
        # after the app is made.
        self._config = config
        self._lock = threading.Lock()
        self._embedder: Embedder | None = None
        self.vectors = VectorMemo()
        """The vectors of the documents being reviewed, kept between corrections: the
        re-alignment after each correction then fetches nothing from the cache."""

    @property
    def database(self) -> str:
        return self._config["DATABASE"]

    @property
    def model_name(self) -> str:
        return self._config.get("EMBEDDER_MODEL") or DEFAULT_MODEL

    @property
    def loaded(self) -> bool:
        """Whether the embedder has been made (a request needed it)."""
        return self._embedder is not None

    def embedder(self) -> Embedder:
        """The app's one embedder, made by the first request that needs it (the threads
        that ask meanwhile wait for that one instead of each loading a copy)."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = self._config.get("EMBEDDER") or embed.load_embedder(
                        self.model_name)
        return self._embedder

    def scorer(self) -> StoredRowScorer:
        """What gives the rows an edit reshaped the aligner's calibrated confidence."""
        return StoredRowScorer(self.embedder())

    def document_map(self, db: sqlite_utils.Database, document_id: int) -> dict:
        """The editor's overview map of a document, drawn with the app's model."""
        return document_map(db, document_id, self.embedder())

    def term_encoder(self, db: sqlite_utils.Database
                     ) -> Callable[[Sequence[str]], np.ndarray] | None:
        """The lookup's `encode` (cached in the database), or None when the configuration
        turns embeddings off for it (`TERMS_EMBEDDER = False`: corpus statistics alone)."""
        if self._config.get("TERMS_EMBEDDER") is False:
            return None
        return with_cache(self.embedder(), store.SqliteEmbeddingCache(db)).encode


def check_config(config: Mapping[str, Any]) -> None:
    """`TERMS_EMBEDDER` only switches the lookup's embeddings off: the app has one model."""
    setting = config.get("TERMS_EMBEDDER")
    if setting is not None and not isinstance(setting, bool):
        raise ValueError("TERMS_EMBEDDER is True or False; the lookup uses the app's one "
                         "model, given as EMBEDDER (an embedder) or EMBEDDER_MODEL (a name)")


def init_app(app: Flask) -> None:
    check_config(app.config)
    app.extensions[EXTENSION_KEY] = Services(app.config)


def services(app: Flask | None = None) -> Services:
    """The services of `app` (default: the app handling this request)."""
    return (app or current_app).extensions[EXTENSION_KEY]
