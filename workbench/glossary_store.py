"""The glossary table and the consistency report built on the terminology index.

The `glossary` table itself is created by the terminology migration
(`termindex.create_index_tables`); `glossary_accepted` (occurrences a
translator accepted in the consistency report) by `create_accepted_table`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import sqlite_utils

from workbench import store, termindex
from workbench import terms as T
from workbench.errors import DomainError, ErrorKind
from workbench.glossary import Entry
from workbench.status import Status


class GlossaryError(DomainError):
    """A glossary entry is missing a term, or does not exist (kind NOT_FOUND)."""


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
    stamp = store.now()
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
             "updated": store.now()},
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
    stamp = store.now()
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
        for entry_id, note in notes.items():
            db["glossary"].update(entry_id, {"note": note, "updated": stamp})
    return ImportSummary(len(imported), len(new), len(notes), unchanged)


# --- consistency ------------------------------------------------------------------


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


def accept(
    db: sqlite_utils.Database, entry_id: int, link_id: int, user: str | None = None,
    filters: termindex.Filters | None = None,
) -> dict:
    """Mark the entry's occurrence in pair `link_id` as accepted (a deliberate rendering)."""
    entry = get(db, entry_id)
    (report,) = consistency(db, filters, only=[entry])
    hit = next((h for h in [*report.to_check, *report.accepted] if h.link_id == link_id), None)
    if hit is None:
        raise GlossaryError(
            f"pair {link_id} holds no occurrence of {entry['source_term']!r} to accept",
            kind=ErrorKind.NOT_FOUND)
    texts = _sides(hit)
    row = {"entry_id": entry_id, "link_id": link_id, **texts,
           "accepted_by": (user or "").strip()[:60] or None, "accepted": store.now()}
    with db.atomic():
        db["glossary_accepted"].delete_where("entry_id = ? and link_id = ?", [entry_id, link_id])
        db["glossary_accepted"].insert(row)
    return {**row, "document": hit.document, "position": hit.position}


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


def _sides(hit: termindex.Hit) -> dict[str, str]:
    source, target = (hit.text, hit.counterpart) if hit.side == store.SOURCE else (
        hit.counterpart, hit.text)
    return {"source_text": source, "target_text": target}


@dataclass
class EntryReport:
    """For one glossary entry: where the source term occurs without its approved translation."""

    entry: dict
    occurrences: int
    consistent: int
    to_check: list[termindex.Hit]
    accepted: list[termindex.Hit] = field(default_factory=list)
    accepted_by: dict[int, dict] = field(default_factory=dict)  # link id -> acceptance row


def _longer_terms(entry: dict, others: list[dict], queries: dict[int, T.Query]) -> list[T.Query]:
    """Other entries of the same language whose term is longer and shares a word with this
    one (`sous-secrétaires d'État` for `État`): their occurrences are theirs, not this one's."""
    query = queries[entry["id"]]
    keys = {w.key for w in query.words}
    return [
        queries[o["id"]] for o in others
        if o["id"] != entry["id"] and o["source_lang"] == entry["source_lang"]
        and len(queries[o["id"]].words) > len(query.words)
        and keys & {w.key for w in queries[o["id"]].words}
    ]


def _parse(term: str, lang: str) -> T.Query | None:
    try:
        return T.parse_query(term, lang)
    except T.QueryError:
        return None


def consistency(
    db: sqlite_utils.Database, filters: termindex.Filters | None = None,
    only: list[dict] | None = None,
) -> list[EntryReport]:
    """Each entry's pairs where the source term occurs but the approved translation does not.

    Occurrences are whole words, the same word up to case, accents and number
    (`État`, `États`; not `étatisme`); a longer glossary term holding this one
    takes its occurrences (`classe ouvrière` is not an occurrence of `ouvriers`'s
    entry when both are in the glossary). The approved translation is looked for
    in the aligned counterpart, stemmed and accent-folded, so `agreements`
    counts for `agreement`. Accepted occurrences are listed apart while the
    pair's text is unchanged. Excluded pairs (material not for translation) are left out.
    """
    filters = replace(filters or termindex.Filters(),
                      without_statuses=(Status.EXCLUDED.value,))
    every = entries(db)
    queries = {e["id"]: q for e in every if (q := _parse(e["source_term"], e["source_lang"]))}
    every = [e for e in every if e["id"] in queries]
    chosen = [e for e in every if only is None or e["id"] in {o["id"] for o in only}]
    acceptances: dict[tuple[int, int], dict] = {
        (row["entry_id"], row["link_id"]): row for row in db["glossary_accepted"].rows
    }
    reports = []
    for entry in chosen:
        query = queries[entry["id"]]
        longer = _longer_terms(entry, every, queries)
        result = termindex.lookup(
            db, entry["source_term"], lang=entry["source_lang"], filters=filters,
            limit=termindex.MAX_ANALYSED_HITS,
        )
        approved = _parse(entry["target_term"], entry["target_lang"])
        approved_keys = [w.key for w in approved.words] if approved else []
        report = EntryReport(entry, 0, 0, [])
        for hit in result.hits:
            taken = [
                span for other in longer for span in T.find_exact_term(other.words, hit.tokens)
            ]
            own = [
                (start, end) for start, end in T.find_exact_term(query.words, hit.tokens)
                if not any(s <= start and end <= e for s, e in taken)
            ]
            if not own:
                continue
            hit.term_spans = [(hit.tokens[s].start, hit.tokens[e - 1].end) for s, e in own]
            report.occurrences += 1
            if T.contains_phrase([t.key for t in hit.counterpart_tokens], approved_keys):
                report.consistent += 1
                continue
            acceptance = acceptances.get((entry["id"], hit.link_id))
            if acceptance is not None and _sides(hit) == {
                "source_text": acceptance["source_text"], "target_text": acceptance["target_text"]
            }:
                report.accepted.append(hit)
                report.accepted_by[hit.link_id] = acceptance
            else:
                report.to_check.append(hit)
        reports.append(report)
    return reports


def report_json(report: EntryReport) -> dict:
    return {
        "entry": report.entry,
        "occurrences": report.occurrences,
        "consistent": report.consistent,
        "to_check": [termindex.hit_json(hit) for hit in report.to_check],
        "accepted": [
            {**termindex.hit_json(hit),
             "accepted_by": report.accepted_by[hit.link_id]["accepted_by"],
             "accepted_at": report.accepted_by[hit.link_id]["accepted"]}
            for hit in report.accepted
        ],
    }
