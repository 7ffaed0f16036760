"""The glossary tables: approved term pairs, and the occurrences a translator accepted.

The `glossary` table itself is created by the terminology migration
(`workbench.store.terms.create_index_tables`); `glossary_accepted` (occurrences a
translator accepted in the consistency report, `workbench.consistency`) by
`create_accepted_table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlite_utils

from workbench.errors import DomainError, ErrorKind
from workbench.glossary import Entry
from workbench.store.clock import now


class GlossaryError(DomainError):
    """A glossary entry is missing a term (invalid), or does not exist (kind NOT_FOUND)."""


class DuplicateEntry(GlossaryError):
    """The term pair is already in the glossary: the caller must say what to do with the note."""

    kind = ErrorKind.CONFLICT

    def __init__(self, existing: dict, proposed_note: str) -> None:
        super().__init__(
            f"{existing['source_term']} → {existing['target_term']} is already in the glossary"
            + (f" (note: {existing['note']})" if existing["note"] else "")
        )
        self.existing = existing
        self.proposed_note = proposed_note


OnExisting = Literal["ask", "keep-both", "replace"]
ON_EXISTING: tuple[str, ...] = ("ask", "keep-both", "replace")


def merged_note(existing: str, added: str) -> str:
    """Both notes, the existing one first; a note already there is not repeated."""
    existing, added = (existing or "").strip(), (added or "").strip()
    if not added or added in existing:
        return existing
    if not existing or existing in added:
        return added
    return f"{existing}; {added}"


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def entries(db: sqlite_utils.Database) -> list[dict]:
    return list(db["glossary"].rows_where(order_by="source_term collate nocase, id"))


def get(db: sqlite_utils.Database, entry_id: int) -> dict:
    try:
        return db["glossary"].get(entry_id)
    except sqlite_utils.db.NotFoundError as error:
        raise GlossaryError(f"no glossary entry {entry_id}", kind=ErrorKind.NOT_FOUND) from error


def find_pair(
    db: sqlite_utils.Database, source_term: str, target_term: str, source_lang: str,
    target_lang: str,
) -> dict | None:
    rows = db["glossary"].rows_where(
        "source_term = ? and target_term = ? and source_lang = ? and target_lang = ?",
        [_clean(source_term), _clean(target_term), source_lang, target_lang], limit=1,
    )
    return next(iter(rows), None)


def add(
    db: sqlite_utils.Database,
    source_term: str,
    target_term: str,
    note: str = "",
    *,
    source_lang: str = "fr",
    target_lang: str = "en",
    on_existing: OnExisting = "ask",
) -> dict:
    """Add an entry. A pair already there is never changed silently: by default
    `DuplicateEntry` says so; `keep-both` appends the new note to the old one,
    `replace` puts the new note in its place."""
    source_term, target_term = _clean(source_term), _clean(target_term)
    note = (note or "").strip()
    if not source_term or not target_term:
        raise GlossaryError("a glossary entry needs both a source term and a target term")
    if on_existing not in ON_EXISTING:
        raise GlossaryError(f"on_existing must be one of {', '.join(ON_EXISTING)}")
    stamp = now()
    with db.atomic():
        existing = find_pair(db, source_term, target_term, source_lang, target_lang)
        if existing is not None:
            if on_existing == "ask":
                raise DuplicateEntry(existing, note)
            new_note = note if on_existing == "replace" else merged_note(existing["note"], note)
            if new_note != (existing["note"] or ""):
                db["glossary"].update(existing["id"], {"note": new_note, "updated": stamp})
            entry_id = existing["id"]
        else:
            entry_id = db["glossary"].insert(
                {
                    "source_term": source_term, "target_term": target_term,
                    "source_lang": source_lang, "target_lang": target_lang,
                    "note": note, "created": stamp, "updated": stamp,
                }
            ).last_pk
    return get(db, entry_id)


def update(
    db: sqlite_utils.Database, entry_id: int, source_term: str, target_term: str, note: str = ""
) -> dict:
    entry = get(db, entry_id)
    source_term, target_term = _clean(source_term), _clean(target_term)
    if not source_term or not target_term:
        raise GlossaryError("a glossary entry needs both a source term and a target term")
    other = find_pair(db, source_term, target_term, entry["source_lang"], entry["target_lang"])
    if other is not None and other["id"] != entry_id:
        raise GlossaryError(
            f"{source_term} → {target_term} is already entry {other['id']}: edit that one, "
            "or delete one of the two"
        )
    with db.atomic():
        db["glossary"].update(
            entry_id,
            {"source_term": source_term, "target_term": target_term, "note": note.strip(),
             "updated": now()},
        )
    return get(db, entry_id)


def delete(db: sqlite_utils.Database, entry_id: int) -> None:
    get(db, entry_id)
    with db.atomic():
        db["glossary_accepted"].delete_where("entry_id = ?", [entry_id])
        db["glossary"].delete(entry_id)


def as_entries(rows: list[dict]) -> list[Entry]:
    return [Entry(r["source_term"], r["target_term"], r["note"] or "") for r in rows]


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: new entries, existing pairs whose note grew, pairs already there."""

    read: int
    added: int
    notes_merged: int
    unchanged: int

    def message(self) -> str:
        return (f"Imported {self.read} entries: {self.added} new, {self.notes_merged} existing "
                f"with a note added, {self.unchanged} already in the glossary.")


def import_entries(
    db: sqlite_utils.Database, imported: list[Entry], *, source_lang: str = "fr",
    target_lang: str = "en",
) -> ImportSummary:
    """Add every entry in one transaction. A pair already in the glossary (or twice in the
    file) stays one row and keeps both notes: an import never drops a translator's note."""
    new: dict[tuple[str, str], dict] = {}
    notes: dict[int, str] = {}
    unchanged = 0
    stamp = now()
    with db.atomic():
        existing = {
            (row[1], row[2]): (row[0], row[3] or "")
            for row in db.execute(
                "select id, source_term, target_term, note from glossary "
                "where source_lang = ? and target_lang = ?", [source_lang, target_lang],
            ).fetchall()
        }
        for entry in imported:
            pair = (_clean(entry.source_term), _clean(entry.target_term))
            note = (entry.note or "").strip()
            if not pair[0] or not pair[1]:
                raise GlossaryError("a glossary entry needs both a source term and a target term")
            if pair in existing:
                entry_id, old = existing[pair]
                merged = merged_note(notes.get(entry_id, old), note)
                if merged != notes.get(entry_id, old):
                    notes[entry_id] = merged
                elif entry_id not in notes:
                    unchanged += 1
            elif pair in new:
                new[pair]["note"] = merged_note(new[pair]["note"], note)
            else:
                new[pair] = {
                    "source_term": pair[0], "target_term": pair[1], "source_lang": source_lang,
                    "target_lang": target_lang, "note": note, "created": stamp, "updated": stamp,
                }
        db["glossary"].insert_all(new.values(), batch_size=1000)
        db.conn.executemany("update glossary set note = ?, updated = ? where id = ?",
                            [(note, stamp, entry_id) for entry_id, note in notes.items()])
    return ImportSummary(len(imported), len(new), len(notes), unchanged)


# --- accepted occurrences ------------------------------------------------------------------


def create_accepted_table(db: sqlite_utils.Database) -> None:
    """Migration: occurrences a translator accepted as they are, per glossary entry and pair.

    The texts of both sides are kept: an acceptance holds while the pair reads
    the same, and the occurrence comes back to check once either side changes.
    """
    db["glossary_accepted"].create(
        {
            "id": int, "entry_id": int, "link_id": int, "source_text": str, "target_text": str,
            "accepted_by": str, "accepted": str,
        },
        pk="id", not_null={"entry_id", "link_id", "source_text", "target_text", "accepted"},
    )
    db["glossary_accepted"].create_index(["entry_id", "link_id"], unique=True)


def acceptances(db: sqlite_utils.Database) -> dict[tuple[int, int], dict]:
    """Every accepted occurrence, by (entry id, link id)."""
    return {(row["entry_id"], row["link_id"]): row for row in db["glossary_accepted"].rows}


def save_acceptance(db: sqlite_utils.Database, entry_id: int, link_id: int, source_text: str,
                    target_text: str, user: str | None) -> dict:
    """Record (or record again, with these texts) that the entry's occurrence in the pair
    `link_id` is accepted as it is; return the row."""
    row = {"entry_id": entry_id, "link_id": link_id, "source_text": source_text,
           "target_text": target_text, "accepted_by": (user or "").strip()[:60] or None,
           "accepted": now()}
    with db.atomic():
        db["glossary_accepted"].delete_where("entry_id = ? and link_id = ?", [entry_id, link_id])
        db["glossary_accepted"].insert(row)
    return row


def withdraw(db: sqlite_utils.Database, entry_id: int, link_id: int) -> None:
    """Put an accepted occurrence back among those to check."""
    get(db, entry_id)
    with db.atomic():
        cursor = db.execute(
            "delete from glossary_accepted where entry_id = ? and link_id = ?",
            [entry_id, link_id],
        )
    if cursor.rowcount == 0:
        raise GlossaryError(f"no accepted occurrence of entry {entry_id} in pair {link_id}",
                            kind=ErrorKind.NOT_FOUND)


def corpus_languages(db: sqlite_utils.Database) -> tuple[str, str]:
    """The languages new glossary entries get: those of the first stored document
    (French and English in an empty database)."""
    row = db.execute("select source_lang, target_lang from documents limit 1").fetchone()
    return (row[0], row[1]) if row else ("fr", "en")
