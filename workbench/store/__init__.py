"""The SQLite store: documents, sentences, links and the embedding cache.

Schema changes are named migrations (`workbench.store.migrations`), applied once each when
a program starts (the web app, each command) or by `workbench migrate`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import sqlite_utils

from workbench.errors import DomainError, ErrorKind
from workbench.segment import Sentence
from workbench.status import REVIEWED, Status, sql_list
from workbench.store.clock import now
from workbench.store.migrations import migrate
from workbench.store.rows import sentence_row

DEFAULT_DB_PATH = Path("alignments") / "workbench.db"
DEFAULT_BUSY_TIMEOUT = 5.0
"""Seconds a writer waits for another one to finish before giving up (WORKBENCH_BUSY_TIMEOUT)."""
SOURCE, TARGET = "source", "target"


def default_db_path() -> Path:
    return Path(os.environ.get("WORKBENCH_DB") or DEFAULT_DB_PATH)


# --- transactions and locking -------------------------------------------------


class DatabaseBusy(DomainError):
    """Another writer kept the database longer than the busy timeout; nothing was written.

    Not a failure of the request itself: trying again a moment later succeeds.
    """

    kind = ErrorKind.BUSY
    retry_after = 2
    """Seconds a client should wait before trying again."""

    def __init__(self, timeout: float) -> None:
        super().__init__(
            f"The database is busy with another change (an import, an alignment or someone "
            f"else's edit) and stayed so for {timeout:g} s. Nothing was saved: try again in a "
            f"moment."
        )
        self.timeout = timeout


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


class WorkbenchDatabase(sqlite_utils.Database):
    """A sqlite-utils database whose write transactions take the write lock up front.

    `atomic()` opens `BEGIN IMMEDIATE` (nested blocks are savepoints inside it), so a
    transaction that reads before it writes waits for the lock (the busy timeout) instead
    of failing at its first write; SQLite cannot wait at that point, as the read snapshot
    it holds may be stale. A lock not had within the timeout raises `DatabaseBusy`.

    Connections of one process (the web server's threads) can share a `write_lock`: they
    then queue for it, each woken in turn, instead of all polling SQLite, which under load
    lets some writers lose the race again and again until their timeout runs out.
    """

    busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    write_lock: threading.Lock | None = None

    @contextlib.contextmanager
    def atomic(self) -> Generator[sqlite_utils.Database, None, None]:
        if self.conn.in_transaction:
            with super().atomic() as db:
                yield db
            return
        queue = self.write_lock
        if queue is not None and not queue.acquire(timeout=self.busy_timeout):
            raise DatabaseBusy(self.busy_timeout)
        try:
            with self._immediate_transaction():
                yield self
        finally:
            if queue is not None:
                queue.release()

    @contextlib.contextmanager
    def _immediate_transaction(self) -> Generator[sqlite_utils.Database, None, None]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise DatabaseBusy(self.busy_timeout) from error
            raise
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException as error:
            self.rollback()
            if isinstance(error, sqlite3.OperationalError) and _is_busy(error):
                raise DatabaseBusy(self.busy_timeout) from error
            raise

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        """A single statement outside `atomic()` waits for the lock the same way."""
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as error:
            if _is_busy(error):
                raise DatabaseBusy(self.busy_timeout) from error
            raise


@contextlib.contextmanager
def snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Read several statements from one consistent state of the database.

    Without it each statement sees the latest commit, so links and the sentences they
    name can come from two different states while someone edits. Inside a write
    transaction the reads already share one state. Read only: the block ends with a
    rollback, so anything written inside it would be lost.
    """
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")  # deferred: the first read fixes the snapshot, no lock taken
    try:
        yield db
    finally:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")  # nothing was written: just end the read


def default_busy_timeout() -> float:
    value = os.environ.get("WORKBENCH_BUSY_TIMEOUT")
    return float(value) if value else DEFAULT_BUSY_TIMEOUT


def open_db(path: str | Path | None = None, busy_timeout: float | None = None,
            write_lock: threading.Lock | None = None, *,
            upgrade: bool = True) -> sqlite_utils.Database:
    """Open (creating it if needed) the workbench database, and migrate it (`upgrade`).

    A program migrates once, when it starts (the web app in `create_app`, a command when
    it opens the database); the web app's requests then open it with `upgrade=False`.
    An in-memory database is a new one on each connection: it is always migrated.
    A writer waits up to `busy_timeout` seconds (default: WORKBENCH_BUSY_TIMEOUT or 5)
    for another one to finish; connections given the same `write_lock` queue for it first.
    """
    path = Path(path) if path is not None else default_db_path()
    in_memory = str(path) == ":memory:"
    if not in_memory:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = WorkbenchDatabase(str(path))
    db.busy_timeout = default_busy_timeout() if busy_timeout is None else busy_timeout
    db.write_lock = write_lock
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {int(db.busy_timeout * 1000)}")
    if upgrade or in_memory:
        if not in_memory:
            db.execute("PRAGMA journal_mode = WAL")  # kept in the file: set once is enough
        migrate(db)
    return db


# --- documents and sentences ------------------------------------------------


class DocumentExists(DomainError):
    """A document of that name is already in the database."""

    kind = ErrorKind.CONFLICT


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
                sentence_row(document_id, side, position, sentence)
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


class DocumentFinished(DomainError):
    """The document is marked finished: locked against edits until someone reopens it."""

    kind = ErrorKind.LOCKED


def refuse_if_finished(db: sqlite_utils.Database, document_id: int) -> None:
    """Raise `DocumentFinished`, saying by whom and when, if the document is finished."""
    row = db.execute("select finished, finished_by from documents where id = ?",
                     [document_id]).fetchone()
    if row is not None and row[0]:
        raise DocumentFinished(
            f"this document was marked finished by {row[1] or 'anonymous'} on "
            f"{row[0].replace('T', ' ').rstrip('Z')} UTC: nothing was changed. To edit it, "
            "reopen it first (Reopen, at the top of the editor).")


def sentences(db: sqlite_utils.Database, document_id: int, side: str) -> list[dict]:
    """A side's sentences in reading order."""
    return list(
        db["sentences"].rows_where(
            "document_id = ? and side = ?", [document_id, side], order_by="position"
        )
    )


def list_documents(db: sqlite_utils.Database) -> list[dict]:
    """Every document with its sentence and review counts (`excluded`: rows not for
    translation, outside the progress)."""
    return list(
        db.query(
            f"""
            select d.*,
              (select count(*) from sentences s
                 where s.document_id = d.id and s.side = 'source') as source_sentences,
              (select count(*) from sentences s
                 where s.document_id = d.id and s.side = 'target') as target_sentences,
              (select count(*) from links l where l.document_id = d.id) as links,
              (select count(*) from links l
                 where l.document_id = d.id and l.status in {sql_list(REVIEWED)}) as reviewed,
              (select count(*) from links l
                 where l.document_id = d.id and l.status = '{Status.EXCLUDED.value}') as excluded,
              (select h.user from history h where h.document_id = d.id
                 order by h.seq desc limit 1) as last_editor
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
            "score": float(link.get("score") or 0.0), "status": link.get("status", Status.AUTO),
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
    """Links with their sentences attached, ready to show side by side (one snapshot)."""
    with snapshot(db):
        by_id = {
            row["id"]: row
            for row in db["sentences"].rows_where("document_id = ?", [document_id])
        }
        rows = links(db, document_id)
    result = []
    for link in rows:
        link["source"] = [by_id[i] for i in link["source_ids"]]
        link["target"] = [by_id[i] for i in link["target_ids"]]
        result.append(link)
    return result


def review_progress(links: int, reviewed: int, excluded: int) -> float:
    """Share of the rows to translate that are reviewed; a document whose rows are all
    not for translation has nothing left to review."""
    to_review = links - excluded
    if to_review <= 0:
        return 1.0 if links else 0.0
    return reviewed / to_review


def status_summary(db: sqlite_utils.Database) -> dict:
    documents = list_documents(db)
    total = sum(d["links"] for d in documents)
    reviewed = sum(d["reviewed"] for d in documents)
    excluded = sum(d["excluded"] for d in documents)
    return {
        "documents": len(documents),
        "links": total,
        "reviewed": reviewed,
        "excluded": excluded,
        "progress": review_progress(total, reviewed, excluded),
    }


def mark_links(db: sqlite_utils.Database, document_id: int, status: Status,
               only: Status = Status.AUTO) -> int:
    """Give every `only` link of a document `status` (a freshly written document: no undo
    step); return how many changed."""
    cursor = db.execute(
        "update links set status = ? where document_id = ? and status = ?",
        [status.value, document_id, only.value],
    )
    return cursor.rowcount


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
