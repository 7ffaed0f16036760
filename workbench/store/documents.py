"""Writing whole documents: an import's rows in a few batched statements, a re-import's
sentences and links rewritten, and the small reads the import and re-alignment need.

Every function that writes opens `db.atomic()` (a savepoint inside the caller's
transaction), so a caller can put several of them into one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import sqlite_utils

from workbench.segment import Sentence
from workbench.store import SOURCE, TARGET, forget_history, now, sentences
from workbench.store.rows import SENTENCE_COLUMNS, link_row, row_sentence, sentence_row

LINK_INSERT_COLUMNS = ("document_id", "position", "source_ids", "target_ids", "score",
                       "status", "created", "updated", "updated_by")


class PositionLink(Protocol):
    """A link as the aligner gives it: sentence positions on each side, and a score."""

    source: Sequence[int]
    target: Sequence[int]
    score: float


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    return (f"insert into {table} ({', '.join(columns)}) "
            f"values ({', '.join('?' * len(columns))})")


def _next_id(db: sqlite_utils.Database, table: str) -> int:
    """The id SQLite would give the next row (the largest plus one); read inside the write
    transaction, so ids counted on from it are free."""
    (highest,) = db.execute(f"select coalesce(max(id), 0) from {table}").fetchone()
    return highest + 1


def _insert_sentences(db: sqlite_utils.Database, document_id: int,
                      placed: Sequence[tuple[str, int, Sentence]]) -> list[int]:
    """Insert (side, position, sentence) rows in one statement; return their ids in order."""
    first = _next_id(db, "sentences")
    ids = list(range(first, first + len(placed)))
    rows = (sentence_row(document_id, side, position, sentence)
            for side, position, sentence in placed)
    db.conn.executemany(
        _insert_sql("sentences", SENTENCE_COLUMNS),
        ([row_id, *(row[column] for column in SENTENCE_COLUMNS[1:])]
         for row_id, row in zip(ids, rows, strict=True)),
    )
    return ids


def _insert_links(db: sqlite_utils.Database, rows: Sequence[Mapping]) -> None:
    """Insert encoded link rows (`link_row`): those that keep their id first, so that a new
    link can never be given one of them."""
    with_id = [row for row in rows if "id" in row]
    if with_id:
        db.conn.executemany(_insert_sql("links", ("id", *LINK_INSERT_COLUMNS)),
                            [[row[c] for c in ("id", *LINK_INSERT_COLUMNS)] for row in with_id])
    db.conn.executemany(_insert_sql("links", LINK_INSERT_COLUMNS),
                        [[row[c] for c in LINK_INSERT_COLUMNS] for row in rows
                         if "id" not in row])


def insert_document(
    db: sqlite_utils.Database,
    name: str,
    source: Sequence[Sentence],
    target: Sequence[Sentence],
    links: Iterable[PositionLink],
    *,
    source_lang: str,
    target_lang: str,
    source_path: str | None,
    target_path: str | None,
    compilation: str | None = None,
) -> int:
    """Insert a document, its sentences and its links (by sentence position); return its id.

    Three batched statements with ids counted on from the table's largest, instead of one
    statement per row. The caller checks that the name is free."""
    stamp = now()
    with db.atomic():
        document_id = db.execute(
            "insert into documents (name, source_lang, target_lang, source_path, target_path, "
            "version, created, updated, compilation) values (?, ?, ?, ?, ?, 1, ?, ?, ?)",
            [name, source_lang, target_lang, source_path, target_path, stamp, stamp,
             compilation],
        ).lastrowid
        ids = _insert_sentences(db, document_id, [
            (side, position, sentence)
            for side, sentences_of_side in ((SOURCE, source), (TARGET, target))
            for position, sentence in enumerate(sentences_of_side)
        ])
        source_ids, target_ids = ids[:len(source)], ids[len(source):]
        _insert_links(db, [
            link_row(document_id, position, {
                "source_ids": [source_ids[i] for i in link.source],
                "target_ids": [target_ids[j] for j in link.target],
                "score": link.score,
            }, stamp)
            for position, link in enumerate(links)
        ])
    return document_id


def rewrite_sentences(
    db: sqlite_utils.Database,
    document_id: int,
    new: Mapping[str, Sequence[Sentence]],
    kept: Mapping[str, Sequence[tuple[int, int]]],
) -> dict[str, list[int]]:
    """Make each side hold `new`: the rows in `kept` ((row id, index in `new`)) stay with
    their ids and move to their new place, the others go, the rest of `new` is inserted.
    Return each side's row ids in the order of `new`."""
    ids: dict[str, list[int | None]] = {}
    with db.atomic():
        for side in (SOURCE, TARGET):
            ids[side] = [None] * len(new[side])
            kept_ids = {row_id for row_id, _ in kept[side]}
            db.conn.executemany("delete from sentences where id = ?", [
                [row_id] for (row_id,) in db.execute(
                    "select id from sentences where document_id = ? and side = ?",
                    [document_id, side]).fetchall()
                if row_id not in kept_ids
            ])
            moved = []
            for row_id, index in kept[side]:
                row = sentence_row(document_id, side, index, new[side][index])
                moved.append([row["position"], row["paragraph"], row["kind"], row["notes"],
                              row_id])
                ids[side][index] = row_id
            db.conn.executemany(
                "update sentences set position = ?, paragraph = ?, kind = ?, notes = ? "
                "where id = ?", moved)
            added = [index for index, row_id in enumerate(ids[side]) if row_id is None]
            inserted = _insert_sentences(
                db, document_id, [(side, index, new[side][index]) for index in added])
            for index, row_id in zip(added, inserted, strict=True):
                ids[side][index] = row_id
    return {side: [row_id for row_id in side_ids if row_id is not None]
            for side, side_ids in ids.items()}


def rewrite_links(
    db: sqlite_utils.Database,
    document_id: int,
    links: Sequence[Mapping],
    *,
    source_path: str | None = None,
    target_path: str | None = None,
) -> None:
    """Replace a document's links with `links` (dicts as `link_row` takes them; one with an
    `id` keeps it), drop its undo history, bump its version, and record new file paths."""
    stamp = now()
    with db.atomic():
        db.execute("delete from links where document_id = ?", [document_id])
        _insert_links(db, [link_row(document_id, position, link, stamp)
                           for position, link in enumerate(links)])
        forget_history(db, document_id)
        db.execute(
            "update documents set version = version + 1, updated = ?, "
            "source_path = coalesce(?, source_path), target_path = coalesce(?, target_path) "
            "where id = ?",
            [stamp, source_path, target_path, document_id],
        )


def document_state(db: sqlite_utils.Database, document_id: int) -> dict | None:
    """The name, version and finished mark of a document (None if there is none)."""
    row = db.execute("select name, version, finished, finished_by from documents where id = ?",
                     [document_id]).fetchone()
    if row is None:
        return None
    return dict(zip(("name", "version", "finished", "finished_by"), row, strict=True))


def stored_sentences(db: sqlite_utils.Database, document_id: int, side: str) -> list[Sentence]:
    """A side of a stored document as the `Sentence`s it was imported as."""
    return [row_sentence(row) for row in sentences(db, document_id, side)]


def sentence_count(db: sqlite_utils.Database, document_id: int) -> int:
    return db.execute("select count(*) from sentences where document_id = ?",
                      [document_id]).fetchone()[0]


def set_file_fingerprint(db: sqlite_utils.Database, document_id: int, fingerprint: str) -> None:
    """Record which files a corpus document was last imported from."""
    with db.atomic():
        db.execute("update documents set file_fingerprint = ? where id = ?",
                   [fingerprint, document_id])


def compilation_documents(db: sqlite_utils.Database, compilation: str) -> list[dict]:
    """The documents split from a compilation, in the order they were made."""
    return list(db["documents"].rows_where("compilation = ?", [compilation], order_by="id"))


def all_documents(db: sqlite_utils.Database) -> list[dict]:
    """Every document row, by name."""
    return list(db["documents"].rows_where(order_by="name"))
