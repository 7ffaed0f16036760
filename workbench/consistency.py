"""The glossary consistency report: where a glossary term occurs in the stored pairs
without its approved translation, and the occurrences a translator accepted as they are.

Built on the terminology lookup (`workbench.termindex`); the glossary tables themselves
are the store's (`workbench.store.glossary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlite_utils

from workbench import store, termindex
from workbench import terms as T
from workbench.errors import ErrorKind
from workbench.status import Status
from workbench.store import glossary


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
    every = glossary.entries(db)
    queries = {e["id"]: q for e in every if (q := _parse(e["source_term"], e["source_lang"]))}
    every = [e for e in every if e["id"] in queries]
    chosen = [e for e in every if only is None or e["id"] in {o["id"] for o in only}]
    acceptances = glossary.acceptances(db)
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


def accept(
    db: sqlite_utils.Database, entry_id: int, link_id: int, user: str | None = None,
    filters: termindex.Filters | None = None,
) -> dict:
    """Mark the entry's occurrence in pair `link_id` as accepted (a deliberate rendering)."""
    entry = glossary.get(db, entry_id)
    (report,) = consistency(db, filters, only=[entry])
    hit = next((h for h in [*report.to_check, *report.accepted] if h.link_id == link_id), None)
    if hit is None:
        raise glossary.GlossaryError(
            f"pair {link_id} holds no occurrence of {entry['source_term']!r} to accept",
            kind=ErrorKind.NOT_FOUND)
    row = glossary.save_acceptance(db, entry_id, link_id, **_sides(hit), user=user)
    return {**row, "document": hit.document, "position": hit.position}
