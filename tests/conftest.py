"""Shared fixtures: a fresh database per test, the Flask `app`, `client` and `runner`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from workbench import store
from workbench.segment import Sentence
from workbench.web import create_app

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
GOLD = SHARED / "gold"


class BagOfWordsEmbedder:
    """A deterministic stand-in for a real model: texts sharing words get similar vectors.

    Fast enough for unit tests, and honest: it knows nothing of translation, so
    tests using it give both sides the same words.
    """

    name = "test-bag-of-words"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                vectors[row, int.from_bytes(digest[:4], "little") % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms


@pytest.fixture
def fake_embedder() -> BagOfWordsEmbedder:
    return BagOfWordsEmbedder()


@pytest.fixture
def coarse_embedder() -> BagOfWordsEmbedder:
    """A second model that disagrees with `fake_embedder`: with three dimensions, unlike
    words collide."""
    coarse = BagOfWordsEmbedder(dimension=3)
    coarse.name = "test-coarse"
    return coarse


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "workbench.db"


@pytest.fixture
def db(db_path):
    database = store.open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def app(db_path):
    store.open_db(db_path).close()
    return create_app({"TESTING": True, "DATABASE": str(db_path)})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(db_path, monkeypatch):
    """A CLI runner whose commands use this test's database, and align one document pair
    after another in this process (a cluster of processes takes seconds to start)."""
    monkeypatch.setenv("WORKBENCH_DB", str(db_path))
    monkeypatch.setenv("WORKBENCH_WORKERS", "1")
    return CliRunner()


def sentences(*texts: str, paragraph: int = 0) -> list[Sentence]:
    return [Sentence(text, paragraph) for text in texts]


def one_to_one_document(db, name: str, source: list[str], target: list[str],
                        scores: list[float] | None = None) -> int:
    """Store a document whose sentences are linked 1-1, in order; return its id."""
    document_id = store.create_document(db, name, sentences(*source), sentences(*target))
    source_rows = store.sentences(db, document_id, store.SOURCE)
    target_rows = store.sentences(db, document_id, store.TARGET)
    store.replace_links(db, document_id, [
        {"source_ids": [s["id"]], "target_ids": [t["id"]], "score": score}
        for s, t, score in zip(source_rows, target_rows, scores or [None] * len(source_rows),
                               strict=True)
    ])
    return document_id


@pytest.fixture
def sample_document(db):
    """A small aligned document: three French and three English sentences, 1-1."""
    return one_to_one_document(
        db, "sample", ["Le roi est mort.", "Vive le roi.", "La foule applaudit."],
        ["The king is dead.", "Long live the king.", "The crowd cheers."], [0.95, 0.6, 0.3])


def csrf_token(client) -> str:
    """The session's CSRF token, as a page of this workbench would hand it to its forms."""
    with client.session_transaction() as session:
        return session.setdefault("csrf_token", "test-token-" + hashlib.sha256(
            str(id(client)).encode()).hexdigest()[:16])
