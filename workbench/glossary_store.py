"""The glossary table and the consistency report built on the terminology index.

The `glossary` table itself is created by the terminology migration
(`termindex.create_index_tables`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from workbench import store, termindex
from workbench import terms as T
from workbench.glossary import Entry


class GlossaryError(ValueError):
    """A glossary entry is missing a term, or does not exist."""


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def entries(db: sqlite_utils.Database) -> list[dict]:
    return list(db["glossary"].rows_where(order_by="source_term collate nocase, id"))


def get(db: sqlite_utils.Database, entry_id: int) -> dict:
    try:
        return db["glossary"].get(entry_id)
    except sqlite_utils.db.NotFoundError as error:
        raise GlossaryError(f"no glossary entry {entry_id}") from error


def add(
    db: sqlite_utils.Database,
    source_term: str,
    target_term: str,
    note: str = "",
    *,
    source_lang: str = "fr",
    target_lang: str = "en",
) -> dict:
    """Add an entry; the same term pair twice updates the note instead of duplicating."""
    source_term, target_term = _clean(source_term), _clean(target_term)
    if not source_term or not target_term:
        raise GlossaryError("a glossary entry needs both a source term and a target term")
    existing = list(
        db["glossary"].rows_where(
            "source_term = ? and target_term = ? and source_lang = ? and target_lang = ?",
            [source_term, target_term, source_lang, target_lang],
        )
    )
    stamp = store.now()
    with db.atomic():
        if existing:
            entry_id = existing[0]["id"]
            if note.strip():
                db["glossary"].update(entry_id, {"note": note.strip(), "updated": stamp})
        else:
            entry_id = db["glossary"].insert(
                {
                    "source_term": source_term, "target_term": target_term,
                    "source_lang": source_lang, "target_lang": target_lang,
                    "note": note.strip(), "created": stamp, "updated": stamp,
                }
            ).last_pk
    return get(db, entry_id)


def update(
    db: sqlite_utils.Database, entry_id: int, source_term: str, target_term: str, note: str = ""
) -> dict:
    get(db, entry_id)
    source_term, target_term = _clean(source_term), _clean(target_term)
    if not source_term or not target_term:
        raise GlossaryError("a glossary entry needs both a source term and a target term")
    with db.atomic():
        db["glossary"].update(
            entry_id,
            {"source_term": source_term, "target_term": target_term, "note": note.strip(),
             "updated": store.now()},
        )
    return get(db, entry_id)


def delete(db: sqlite_utils.Database, entry_id: int) -> None:
    get(db, entry_id)
    with db.atomic():
        db["glossary"].delete(entry_id)


def as_entries(rows: list[dict]) -> list[Entry]:
    return [Entry(r["source_term"], r["target_term"], r["note"] or "") for r in rows]


def import_entries(
    db: sqlite_utils.Database, imported: list[Entry], *, source_lang: str = "fr",
    target_lang: str = "en",
) -> int:
    """Add every entry (existing pairs keep one row); return how many rows are new."""
    before = db["glossary"].count
    for entry in imported:
        add(db, entry.source_term, entry.target_term, entry.note, source_lang=source_lang,
            target_lang=target_lang)
    return db["glossary"].count - before


# --- consistency ------------------------------------------------------------------


@dataclass
class EntryReport:
    """For one glossary entry: where the source term occurs without its approved translation."""

    entry: dict
    occurrences: int
    consistent: int
    to_check: list[termindex.Hit]


def consistency(
    db: sqlite_utils.Database, filters: termindex.Filters | None = None
) -> list[EntryReport]:
    """Each entry's pairs where the source term occurs but the approved translation does not.

    Both sides compare keys (stemmed, accent-folded), so `accords` in French
    and `agreements` in English count as the entry `accord` → `agreement`.
    """
    reports = []
    for entry in entries(db):
        try:
            result = termindex.lookup(
                db, entry["source_term"], lang=entry["source_lang"], filters=filters,
                limit=termindex.MAX_ANALYSED_HITS,
            )
            approved = T.parse_query(entry["target_term"], entry["target_lang"])
        except T.QueryError:  # a term without a word (`—`) cannot be searched for
            reports.append(EntryReport(entry, 0, 0, []))
            continue
        approved_keys = [w.key for w in approved.words]
        to_check = [
            hit for hit in result.hits
            if not T.contains_phrase([t.key for t in hit.counterpart_tokens], approved_keys)
        ]
        reports.append(
            EntryReport(entry, len(result.hits), len(result.hits) - len(to_check), to_check)
        )
    return reports


def report_json(report: EntryReport) -> dict:
    return {
        "entry": report.entry,
        "occurrences": report.occurrences,
        "consistent": report.consistent,
        "to_check": [termindex.hit_json(hit) for hit in report.to_check],
    }
