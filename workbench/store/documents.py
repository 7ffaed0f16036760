"""Reads and small updates of the `documents` table that the import and export paths need.

(Creating and deleting documents with their sentences is in `workbench.store`.)
"""

from __future__ import annotations

import sqlite_utils


def all_documents(db: sqlite_utils.Database) -> list[dict]:
    """Every document row, by name."""
    return list(db["documents"].rows_where(order_by="name"))


def set_file_fingerprint(db: sqlite_utils.Database, document_id: int,
                         fingerprint: str) -> None:
    """Remember the bytes a document was last imported from, so that an unchanged pair
    is skipped next time."""
    db["documents"].update(document_id, {"file_fingerprint": fingerprint})


def sentence_count(db: sqlite_utils.Database, document_id: int) -> int:
    """How many sentences a document has, both sides together."""
    return db.execute("select count(*) from sentences where document_id = ?",
                      [document_id]).fetchone()[0]
