"""The SQLite store: documents, sentences, links and the embedding cache.

Schema changes are named migrations, applied once each and recorded in the
`migrations` table, so an old database upgrades itself when opened.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlite_utils

from workbench.segment import Sentence

DEFAULT_DB_PATH = Path("alignments") / "workbench.db"
SOURCE, TARGET = "source", "target"
AUTO, CONFIRMED, EDITED = "auto", "confirmed", "edited"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_db_path() -> Path:
    return Path(os.environ.get("WORKBENCH_DB") or DEFAULT_DB_PATH)


# --- migrations -------------------------------------------------------------


def _create_core_tables(db: sqlite_utils.Database) -> None:
    db["documents"].create(
        {
            "id": int, "name": str, "source_lang": str, "target_lang": str,
            "source_path": str, "target_path": str, "version": int,
            "created": str, "updated": str,
        },
        pk="id", not_null={"name", "source_lang", "target_lang"}, defaults={"version": 0},
    )
    db["documents"].create_index(["name"], unique=True)
    db["sentences"].create(
        {
            "id": int, "document_id": int, "side": str, "position": int,
            "paragraph": int, "text": str,
        },
        pk="id", foreign_keys=[("document_id", "documents", "id")],
        not_null={"document_id", "side", "position", "text"},
    )
    db["sentences"].create_index(["document_id", "side", "position"])
    db["links"].create(
        {
            "id": int, "document_id": int, "position": int, "source_ids": str,
            "target_ids": str, "score": float, "status": str, "created": str,
            "updated": str, "updated_by": str,
        },
        pk="id", foreign_keys=[("document_id", "documents", "id")],
        not_null={"document_id", "position", "source_ids", "target_ids", "status"},
        defaults={"status": AUTO},
    )
    db["links"].create_index(["document_id", "position"])
    db["embeddings"].create(
        {"model": str, "key": str, "dimension": int, "vector": bytes},
        pk=("model", "key"),
    )


def _add_sentence_metadata(db: sqlite_utils.Database) -> None:
    """Sentence kind (text, heading, item, note), footnote markers (a JSON list), and the
    compilation a document was split from (its name; null for ordinary documents)."""
    db["sentences"].add_column("kind", str, not_null_default="text")
    db["sentences"].add_column("notes", str)
    db["documents"].add_column("compilation", str)


def _create_terms_index(db: sqlite_utils.Database) -> None:
    from workbench.termindex import create_index_tables

    create_index_tables(db)


def _create_review_history(db: sqlite_utils.Database) -> None:
    """One row per review edit, with the before/after rows that undo and redo need."""
    if "history" in db.table_names():  # a database made before this migration was renamed
        return
    db["history"].create(
        {
            "id": int, "document_id": int, "seq": int, "op": str, "summary": str,
            "user": str, "time": str, "state": str, "undone_by": str, "undone_at": str,
            "focus_link": int, "before": str, "after": str,
        },
        pk="id", foreign_keys=[("document_id", "documents", "id")],
        not_null={"document_id", "seq", "op", "state", "before", "after"},
        defaults={"state": "done"},
    )
    db["history"].create_index(["document_id", "seq"], unique=True)


def _add_file_fingerprint(db: sqlite_utils.Database) -> None:
    db["documents"].add_column("file_fingerprint", str)


def _create_import_jobs(db: sqlite_utils.Database) -> None:
    """Imports run in the background from the browser; each is recorded here (by
    `workbench.import_jobs`) so that a restart reports unfinished ones as interrupted."""
    from workbench.import_jobs import create_table

    create_table(db)


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("0001_core_tables", _create_core_tables),
    ("0002_ingest_sentence_metadata", _add_sentence_metadata),
    ("0003_terms_index_and_glossary", _create_terms_index),
    ("0004_review_history", _create_review_history),
    ("0005_document_file_fingerprint", _add_file_fingerprint),
    ("0006_import_jobs", _create_import_jobs),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this database has not seen yet; return their names."""
    if "migrations" not in db.table_names():
        db["migrations"].create({"name": str, "applied": str}, pk="name")
    done = {row["name"] for row in db["migrations"].rows}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        with db.atomic():
            step(db)
            db["migrations"].insert({"name": name, "applied": now()})
        applied.append(name)
    return applied


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (creating it if needed) and migrate the workbench database."""
    path = Path(path) if path is not None else default_db_path()
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(str(path))
    db.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA busy_timeout = 5000")
    migrate(db)
    return db


# --- documents and sentences ------------------------------------------------


class DocumentExists(ValueError):
    """A document of that name is already in the database."""


def create_document(
    db: sqlite_utils.Database,
    name: str,
    source: Sequence[Sentence],
    target: Sequence[Sentence],
    *,
    source_lang: str = "fr",
    target_lang: str = "en",
    source_path: str | None = None,
    target_path: str | None = None,
) -> int:
    """Insert a document with its sentences in one transaction; return its id."""
    if get_document(db, name) is not None:
        raise DocumentExists(f"a document named {name!r} is already imported")
    stamp = now()
    with db.atomic():
        document_id = db["documents"].insert(
            {
                "name": name, "source_lang": source_lang, "target_lang": target_lang,
                "source_path": source_path, "target_path": target_path, "version": 0,
                "created": stamp, "updated": stamp,
            }
        ).last_pk
        db["sentences"].insert_all(
            [
                {
                    "document_id": document_id, "side": side, "position": position,
                    "paragraph": sentence.paragraph, "text": sentence.text,
                }
                for side, sentences in ((SOURCE, source), (TARGET, target))
                for position, sentence in enumerate(sentences)
            ]
        )
    return document_id


def get_document(db: sqlite_utils.Database, name: str) -> dict | None:
    rows = list(db["documents"].rows_where("name = ?", [name]))
    return rows[0] if rows else None


def delete_document(db: sqlite_utils.Database, document_id: int) -> None:
    with db.atomic():
        db["links"].delete_where("document_id = ?", [document_id])
        db["sentences"].delete_where("document_id = ?", [document_id])
        if "history" in db.table_names():
            db.execute("delete from history where document_id = ?", [document_id])
        db["documents"].delete_where("id = ?", [document_id])


def sentences(db: sqlite_utils.Database, document_id: int, side: str) -> list[dict]:
    """A side's sentences in reading order."""
    return list(
        db["sentences"].rows_where(
            "document_id = ? and side = ?", [document_id, side], order_by="position"
        )
    )


def list_documents(db: sqlite_utils.Database) -> list[dict]:
    """Every document with its sentence and review counts."""
    return list(
        db.query(
            """
            select d.*,
              (select count(*) from sentences s
                 where s.document_id = d.id and s.side = 'source') as source_sentences,
              (select count(*) from sentences s
                 where s.document_id = d.id and s.side = 'target') as target_sentences,
              (select count(*) from links l where l.document_id = d.id) as links,
              (select count(*) from links l
                 where l.document_id = d.id and l.status != 'auto') as reviewed
            from documents d order by d.name
            """
        )
    )


# --- links ------------------------------------------------------------------


def replace_links(
    db: sqlite_utils.Database,
    document_id: int,
    links: Iterable[dict],
    *,
    user: str | None = None,
) -> int:
    """Replace all of a document's links.

    Each link is a dict with `source_ids` and `target_ids` (sentence row ids),
    `score` and optionally `status`.
    """
    stamp = now()
    rows = [
        {
            "document_id": document_id, "position": position,
            "source_ids": json.dumps(list(link["source_ids"])),
            "target_ids": json.dumps(list(link["target_ids"])),
            "score": float(link.get("score") or 0.0), "status": link.get("status", AUTO),
            "created": stamp, "updated": stamp, "updated_by": user,
        }
        for position, link in enumerate(links)
    ]
    with db.atomic():
        db["links"].delete_where("document_id = ?", [document_id])
        db["links"].insert_all(rows)
        forget_history(db, document_id)
        db.execute(
            "update documents set version = version + 1, updated = ? where id = ?",
            [stamp, document_id],
        )
    return len(rows)


def forget_history(db: sqlite_utils.Database, document_id: int) -> None:
    """After links or sentences are rewritten wholesale, earlier review edits cannot be
    undone any more (their rows are gone); they stay listed in the history."""
    if "history" in db.table_names():
        db.execute(
            "update history set state = 'dropped' where document_id = ? and state != 'dropped'",
            [document_id],
        )


def links(db: sqlite_utils.Database, document_id: int) -> list[dict]:
    """A document's links in order, with their sentence id lists decoded."""
    rows = []
    for row in db["links"].rows_where("document_id = ?", [document_id], order_by="position"):
        row["source_ids"] = json.loads(row["source_ids"])
        row["target_ids"] = json.loads(row["target_ids"])
        rows.append(row)
    return rows


def pairs(db: sqlite_utils.Database, document_id: int) -> list[dict]:
    """Links with their sentences attached, ready to show side by side."""
    by_id = {
        row["id"]: row
        for row in db["sentences"].rows_where("document_id = ?", [document_id])
    }
    result = []
    for link in links(db, document_id):
        link["source"] = [by_id[i] for i in link["source_ids"]]
        link["target"] = [by_id[i] for i in link["target_ids"]]
        result.append(link)
    return result


def status_summary(db: sqlite_utils.Database) -> dict:
    documents = list_documents(db)
    total = sum(d["links"] for d in documents)
    reviewed = sum(d["reviewed"] for d in documents)
    return {
        "documents": len(documents),
        "links": total,
        "reviewed": reviewed,
        "progress": reviewed / total if total else 0.0,
    }


# --- embedding cache ----------------------------------------------------------


class SqliteEmbeddingCache:
    """The embedding cache of `workbench.embed`, kept in the `embeddings` table."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def get_vectors(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, vector in self.db.execute(
                f"select key, vector from embeddings where model = ? and key in ({marks})",
                [model, *chunk],
            ).fetchall():
                found[key] = np.frombuffer(vector, dtype=np.float32)
        return found

    def put_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self.db.atomic():
            self.db["embeddings"].upsert_all(
                [
                    {
                        "model": model, "key": key, "dimension": int(vector.shape[0]),
                        "vector": np.asarray(vector, dtype=np.float32).tobytes(),
                    }
                    for key, vector in vectors.items()
                ],
                pk=("model", "key"),
            )
