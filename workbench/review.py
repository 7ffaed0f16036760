"""Correcting a stored alignment: every edit is one transaction with an undo record.

An operation rewrites a *region*: a run of consecutive links (by position) and,
when it splits or joins sentences, a run of consecutive sentences on one side.
The history keeps the rows of each region as they were before and after, and
where the region ended; what lies past a region only moves up or down. So undo
and redo are one and the same step, run in opposite directions: delete the
region, shift what follows, insert the other rows. Restoring is exact, row ids,
statuses, timestamps and any column another module added included. A change of
review status alone is kept as an in-place patch of the rows concerned, so that
confirming a whole long document stays quick.

Concurrency is optimistic: each edit names the document version it was made
on, and a stale version raises `Conflict` instead of overwriting someone
else's work. Nothing here knows about Flask.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import sqlite_utils

from workbench import store
from workbench.align import AlignSettings, Link, align_spans_holding
from workbench.aligning import (
    DocumentMissing,
    StaleVersion,
    StoredDocument,
    align_read,
    document_anchors,
    read_stored,
)
from workbench.embed import Embedder, ModelLoadError, with_cache
from workbench.errors import DomainError, ErrorKind
from workbench.review_order import expected_errors
from workbench.status import Status
from workbench.store import edits
from workbench.store import history as recorded
from workbench.store.edits import STATUS_COLUMNS
from workbench.store.history import DONE, UNDONE
from workbench.vector_memo import VectorMemo

SIDES = (store.SOURCE, store.TARGET)
STATUSES = tuple(Status)
STATUS_WORDS = {Status.AUTO: "automatic", Status.CONFIRMED: "confirmed",
                Status.EDITED: "edited", Status.EXCLUDED: "not for translation"}
UP, DOWN = "up", "down"
ANONYMOUS = "anonymous"
ALIGNER_OPS = ("realign", "realign_around")
"""Operations whose rows carry the aligner's own confidence: nothing to re-score."""
SIDE_NAMES = {store.SOURCE: "French", store.TARGET: "English"}


TextScorer = Callable[[list[str], list[str]], "float | None"]
"""Confidence of a link from its French and English sentence texts (None: unknown)."""


class DocumentScorer(Protocol):
    """Confidence of links in their document as the edit left it: what the editor uses
    (`workbench.review_scorer`), so a reshaped row is scored like the aligner's rows."""

    def score_links(self, db: sqlite_utils.Database, document_id: int,
                    link_ids: Sequence[int]) -> dict[int, float | None]:
        """Inside the edit's transaction: raises `NeedsEmbedding` rather than embed."""
        ...

    def embed(self, db: sqlite_utils.Database, texts: Sequence[str]) -> bool:
        """Outside any transaction: embed and cache `texts`; False if no model can."""
        ...


class NeedsEmbedding(Exception):
    """A scorer met texts with no vector yet inside an edit's transaction.

    Embedding them there (perhaps loading the model first) would hold the write lock for
    seconds, and other writers would give up. The edit is rolled back, the scorer embeds
    the texts outside any transaction, and the edit runs again.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        super().__init__(f"{len(texts)} text(s) to embed first")
        self.texts = list(texts)


EMBEDDING_ROUNDS = 8
"""How many times an edit may stop to embed new texts (a merge: the two joined sides)
before it is saved with no score for the rows still lacking one."""


Scorer = TextScorer | DocumentScorer


def _no_score(source: list[str], target: list[str]) -> None:
    return None


class ReviewError(DomainError):
    """The edit makes no sense here (nothing to merge, nothing to split...); says why."""


class NotFound(ReviewError):
    """A document, link or sentence id that is not (or no longer) there."""

    kind = ErrorKind.NOT_FOUND


class DocumentFinished(ReviewError):
    """The document is marked finished: locked against edits until someone reopens it."""

    kind = ErrorKind.LOCKED

    @classmethod
    def from_store(cls, error: store.DocumentFinished) -> DocumentFinished:
        return cls(str(error))


class Conflict(DomainError):
    """Someone else changed the document since the version the edit was made on."""

    kind = ErrorKind.CONFLICT

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(
            f"This document was changed by someone else (version {current}, your page shows "
            f"version {expected}). Your edit was not applied: reload to see the latest pairs."
        )
        self.expected = expected
        self.current = current


# --- regions ----------------------------------------------------------------------


@dataclass
class Region:
    """A run of rows in `table` (one `side` for sentences) starting at `start`."""

    table: str
    side: str | None
    start: int
    stop_before: int
    stop_after: int = -1
    before: list[dict] = field(default_factory=list)
    after: list[dict] | None = None

    def to_json(self, rows: list[dict], stop: int) -> dict:
        return {"table": self.table, "side": self.side, "start": self.start, "stop": stop,
                "rows": rows}


@dataclass(frozen=True)
class Span:
    """What one applied edit moved, for a client that keeps its own copy of the rows.

    Links at positions `start`..`stop_before` were replaced by the ones now at
    `start`..`stop_after`; on each side in `shifts`, sentence positions at or
    past `from` moved by `delta`.
    """

    start: int
    stop_before: int
    stop_after: int
    shifts: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class Change:
    """The result of an operation, an undo or a redo."""

    version: int
    op: str
    summary: str
    links: Span | None
    focus_link: int | None
    seq: int | None = None
    statuses: tuple[dict, ...] = ()
    """Links whose review columns alone changed: id, status, updated, updated_by."""
    changed_links: tuple[int, ...] = ()
    """Links a follow-up re-alignment created (`realign_around`), for the page to flag."""
    scores: tuple[dict, ...] = ()
    """Links whose score alone changed (a re-alignment refreshed it): id, score."""


# --- one edit = one transaction --------------------------------------------------


class Edit:
    """The open transaction of one operation: read regions, give their new rows, done."""

    def __init__(self, db, document_id: int, user: str, version: int) -> None:
        self.db, self.document_id, self.user, self.version = db, document_id, user, version
        self.stamp = store.now()
        self.regions: list[Region] = []
        self.status_before: list[dict] = []
        self.status_after: list[dict] = []
        self._next_ids: dict[str, int] = {}

    def links(self, start: int, stop: int) -> list[dict]:
        """The links at positions start..stop (clipped to the document), as a new region."""
        start = max(start, 0)
        rows = edits.read_region(self.db, self.document_id, "links", None, start, stop)
        self.regions.append(Region("links", None, start, start + len(rows), before=rows))
        return [dict(row, source_ids=list(row["source_ids"]),
                     target_ids=list(row["target_ids"])) for row in rows]

    def sentences(self, side: str, start: int, stop: int) -> list[dict]:
        rows = edits.read_region(self.db, self.document_id, "sentences", side, start, stop)
        self.regions.append(Region("sentences", side, start, start + len(rows), before=rows))
        return [dict(row) for row in rows]

    def statuses(self, start: int, stop: int, status: str | None = None,
                 min_score: float | None = None) -> list[dict]:
        """The review columns of the links start..stop (only those with `status`, and a
        score of at least `min_score`, if given).

        Status changes need no region: the rows are patched in place, which keeps
        confirming a whole long document as quick as confirming one row.
        """
        rows = edits.link_statuses(self.db, self.document_id, max(start, 0), stop, status,
                                   min_score)
        self.status_before = rows
        self.status_after = rows
        return [dict(row) for row in rows]

    def set_statuses(self, rows: list[dict]) -> None:
        self.status_after = rows

    def replace(self, table: str, rows: list[dict], side: str | None = None) -> None:
        """Give the new rows of the region read from `table` (and `side`), in order."""
        region = next(r for r in self.regions if r.table == table and r.side == side)
        region.after = [dict(row, position=region.start + i) for i, row in enumerate(rows)]
        region.stop_after = region.start + len(rows)

    def new_id(self, table: str) -> int:
        if table not in self._next_ids:
            self._next_ids[table] = edits.next_id(self.db, table)
        self._next_ids[table] += 1
        return self._next_ids[table] - 1

    def touched(self, link: dict, status: str | None = None) -> dict:
        """A link changed by hand now: it is reviewed, by this user, at this time.

        Without `status`, it is edited, unless it was not for translation: correcting
        such a row's text or sentences leaves it outside exports and progress."""
        if status is None:
            status = Status.EXCLUDED if link["status"] == Status.EXCLUDED else Status.EDITED
        return dict(link, status=status, updated=self.stamp, updated_by=self.user)

    def new_link(self, source_ids: Sequence[int], target_ids: Sequence[int],
                 status: str = Status.EDITED, score: float | None = None) -> dict:
        return {
            "id": self.new_id("links"), "document_id": self.document_id, "position": 0,
            "source_ids": list(source_ids), "target_ids": list(target_ids), "score": score,
            "status": status, "created": self.stamp, "updated": self.stamp,
            "updated_by": self.user,
        }


def _claim(db, document_id: int, expected: int | None) -> int:
    """Bump the document's version if it is still `expected`; this takes the write lock."""
    refuse_if_finished(db, document_id)
    if not edits.bump_version(db, document_id, expected, store.now()):
        current = edits.document_version(db, document_id)
        if current is None:
            raise NotFound(f"no document with id {document_id}")
        raise Conflict(expected, current)
    return edits.document_version(db, document_id)


def _status_json(rows: list[dict]) -> dict:
    return {"table": "links", "side": None, "kind": "status", "rows": rows}


def _links_span(regions: Sequence[dict], stops: dict) -> Span | None:
    links_region, shifts = None, []
    for region in regions:
        if region.get("kind"):
            continue
        stop_from = stops[(region["table"], region["side"])]
        if region["table"] == "links":
            links_region = Span(region["start"], stop_from, region["stop"])
        elif region["stop"] != stop_from:
            shifts.append((region["side"], stop_from, region["stop"] - stop_from))
    if links_region is None:
        return None
    return Span(links_region.start, links_region.stop_before, links_region.stop_after,
                tuple(shifts))


def _rescore(edit: Edit, scorer: Scorer, *, last_round: bool = False) -> None:
    """Give each reshaped link (other sentences, or a sentence with new text) a fresh score.

    Runs once the edit's rows are in place, so a `DocumentScorer` sees the document as the
    edit left it; the new scores go into the stored rows and the history's `after` rows."""
    reshaped = []
    texts: dict[int, str] = {}
    changed_text: set[int] = set()
    for region in edit.regions:
        if region.table == "sentences":
            old = {row["id"]: row["text"] for row in region.before}
            for row in region.after or []:
                texts[row["id"]] = row["text"]
                if old.get(row["id"]) != row["text"]:
                    changed_text.add(row["id"])
    for region in edit.regions:
        if region.table != "links" or region.after is None:
            continue
        old = {row["id"]: (row["source_ids"], row["target_ids"]) for row in region.before}
        for row in region.after:
            ids = row["source_ids"] + row["target_ids"]
            if old.get(row["id"]) == (row["source_ids"], row["target_ids"]) and \
                    not changed_text.intersection(ids):
                continue
            reshaped.append(row)
    if hasattr(scorer, "score_links"):
        try:
            scores = scorer.score_links(edit.db, edit.document_id,
                                        [row["id"] for row in reshaped])
        except NeedsEmbedding:
            if not last_round:
                raise
            scores = {}  # the model could not embed them: no score rather than a stale one
        for row in reshaped:
            row["score"] = scores.get(row["id"])
    else:
        for row in reshaped:
            ids = row["source_ids"] + row["target_ids"]
            missing = [i for i in ids if i not in texts]
            if missing:
                texts.update(edits.sentence_texts(edit.db, missing))
            row["score"] = scorer([texts[i] for i in row["source_ids"]],
                                  [texts[i] for i in row["target_ids"]])
    edits.set_scores(edit.db, [(row["score"], row["id"]) for row in reshaped])


def run(
    db: sqlite_utils.Database,
    document_id: int,
    op: str,
    work,
    *,
    user: str | None = None,
    version: int | None = None,
    scorer: Scorer | None = None,
    joins: int | None = None,
) -> Change:
    """Run `work(edit) -> (summary, focus_link_id)` as one recorded, undoable edit.

    With a `scorer`, links the edit reshapes get a new confidence; without one they
    have none (shown as "–") rather than a score that no longer describes them.
    With `joins`, the edit completes that change of the user's (a re-alignment after a
    correction): undo, redo and the history treat both as one step.
    """
    user = (user or "").strip() or ANONYMOUS
    try:
        return _run_recorded(db, document_id, op, work, user, version, scorer, joins)
    except _NothingChanged as unchanged:
        return Change(unchanged.version, op, unchanged.summary, None, None)


class _NothingChanged(Exception):
    """Raised inside the edit's transaction to roll back its version bump."""

    def __init__(self, version: int, summary: str) -> None:
        super().__init__(summary)
        self.version, self.summary = version, summary


def _unchanged(edit: Edit) -> bool:
    return all(region.after is None or region.after == region.before
               for region in edit.regions) and edit.status_after == edit.status_before


def _run_recorded(db, document_id: int, op: str, work, user: str, version: int | None,
                  scorer: Scorer | None, joins: int | None = None) -> Change:
    for _ in range(EMBEDDING_ROUNDS):
        try:
            return _run_once(db, document_id, op, work, user, version, scorer, joins=joins)
        except NeedsEmbedding as needed:  # rolled back; embed without holding the lock
            if not scorer.embed(db, needed.texts):
                break
    return _run_once(db, document_id, op, work, user, version, scorer, last_round=True,
                     joins=joins)


def _run_once(db, document_id: int, op: str, work, user: str, version: int | None,
              scorer: Scorer | None, *, last_round: bool = False,
              joins: int | None = None) -> Change:
    with db.atomic():  # one transaction; rolled back if anything raises
        new_version = _claim(db, document_id, version)
        if joins is not None:
            joins = _joinable(db, document_id, joins, user)
        edit = Edit(db, document_id, user, new_version)
        summary, focus = work(edit)
        if _unchanged(edit):  # no undo step, no new version, the page keeps its selection
            raise _NothingChanged(new_version - 1, f"{summary}: nothing changed")
        before, after, stops, rescored = [], [], {}, []
        for region in edit.regions:
            if region.after is None:
                region.after, region.stop_after = region.before, region.stop_before
            if op in ALIGNER_OPS and region.table == "links":
                rescored += _trim_rescored(region)
            before.append(region.to_json(region.before, region.stop_before))
            after.append(region.to_json(region.after, region.stop_after))
            stops[(region.table, region.side)] = region.stop_before
        if edit.status_after:
            before.append(_status_json(edit.status_before))
            after.append(_status_json(edit.status_after))
        if rescored:
            before.append(_scores_json([old for old, _ in rescored]))
            after.append(_scores_json([new for _, new in rescored]))
        for snapshot in after:
            edits.apply_snapshot(db, document_id, snapshot,
                                 stops.get((snapshot["table"], snapshot["side"])))
        if op not in ALIGNER_OPS:  # `after` holds the same rows: the history gets the new scores
            _rescore(edit, scorer or _no_score, last_round=last_round)
        recorded.drop_redoable(db, document_id, user)  # a new change ends what you could redo
        seq = recorded.record(db, document_id, op=op, summary=summary, user=user,
                              time=edit.stamp, focus_link=focus, before=before, after=after,
                              joins=joins)
    return Change(new_version, op, summary, _links_span(after, stops), focus, seq,
                  _statuses(after), scores=_rescores(after))


def _trim_rescored(region: Region) -> list[tuple[dict, dict]]:
    """Narrow a re-alignment's region to the rows it reshaped; the rows at its edges that
    only got a new score are kept apart, as (old, new) {id, score} pairs patched in place.

    So the step claims only the rows it really changed: a colleague who confirms a row it
    merely re-scored does not block its undo (which still puts the old score back)."""
    def same_but_score(old: dict, new: dict) -> bool:
        return all(old.get(k) == new.get(k) for k in old.keys() | new.keys()
                   if k not in ("score", "position"))

    before, after = region.before, region.after or []
    most = min(len(before), len(after))
    lead = 0
    while lead < most and same_but_score(before[lead], after[lead]):
        lead += 1
    trail = 0
    while trail < most - lead and same_but_score(before[-1 - trail], after[-1 - trail]):
        trail += 1
    edges = list(zip(before[:lead], after[:lead], strict=True)) + list(zip(
        before[len(before) - trail:], after[len(after) - trail:], strict=True))
    region.start += lead
    region.before = before[lead:len(before) - trail]
    region.after = after[lead:len(after) - trail]
    region.stop_before = region.start + len(region.before)
    region.stop_after = region.start + len(region.after)
    return [({"id": old["id"], "score": old["score"]}, {"id": new["id"], "score": new["score"]})
            for old, new in edges if old["score"] != new["score"]]


def _scores_json(rows: list[dict]) -> dict:
    return {"table": "links", "side": None, "kind": "score", "rows": rows}


def _rescores(snapshots: Sequence[dict]) -> tuple[dict, ...]:
    return tuple(dict(row) for snapshot in snapshots if snapshot.get("kind") == "score"
                 for row in snapshot["rows"])


def _statuses(snapshots: Sequence[dict]) -> tuple[dict, ...]:
    return tuple(
        {k: row[k] for k in ("id", *STATUS_COLUMNS)}
        for snapshot in snapshots if snapshot.get("kind") == "status"
        for row in snapshot["rows"]
    )


class UndoBlocked(ReviewError):
    """A colleague changed the rows of the change to undo (or redo) since: going on would
    silently overwrite their work. Names them and their change."""

    kind = ErrorKind.CONFLICT

    def __init__(self, message: str, by: str | None) -> None:
        super().__init__(message)
        self.by = by


# The columns that say a row is still what a change left there (a score may be refreshed
# in place; who reviewed it, when, and what it holds may not).
_SAME_ROW = {"links": ("id", "source_ids", "target_ids", *STATUS_COLUMNS),
             "sentences": ("id", "text")}


def _entry_to_replay(db, document_id: int, undo: bool, user: str, seq: int | None) -> dict:
    """The history entry to undo (the user's latest change) or redo (the change the user
    undid last); or the entry `seq`, whoever made it."""
    if seq is not None:
        entry = recorded.entry(db, document_id, seq)
    elif undo:
        entry = recorded.latest_done_by(db, document_id, user)
    else:
        entry = recorded.latest_undone_by(db, document_id, user)
    if entry is None:
        if seq is not None:
            raise NotFound(f"there is no change {seq} in this document's history")
        verb = "undo" if undo else "redo"
        others = recorded.count_in_state(db, document_id, DONE if undo else UNDONE)
        if others:
            raise ReviewError(f"nothing to {verb}: {user} has no change of their own to {verb} "
                              "here (the others' changes are theirs to undo)")
        raise ReviewError(f"nothing to {verb}")
    if entry["state"] != (DONE if undo else UNDONE):
        raise ReviewError(f"change {entry['seq']} is already {entry['state']}: "
                          f"there is nothing to {'undo' if undo else 'redo'} in it")
    return entry


def _row_key(table: str, row: dict) -> tuple:
    return tuple(json.dumps(row[c]) if isinstance(row[c], list) else row[c]
                 for c in _SAME_ROW[table])


def _locate(db, document_id: int, current: list[dict], target: list[dict]) -> tuple[dict, set]:
    """Where each region of `current` (what the change left, or what was there before it)
    now lies, by the ids of its rows: colleagues' changes elsewhere may have moved it.

    Returns the offset of each region and the (table, id) of rows that are not as
    `current` says any more, or whose ids `target` needs and another row took since.
    """
    offsets: dict[tuple, int] = {}
    changed: set[tuple[str, int]] = set()
    for snapshot in current:
        table, side, rows = snapshot["table"], snapshot["side"], snapshot["rows"]
        if snapshot.get("kind") == "score":  # a score may be refreshed in place
            continue
        if snapshot.get("kind") == "status":
            for row in rows:
                found = edits.review_columns(db, document_id, row["id"])
                if found is None or found != tuple(row[c] for c in STATUS_COLUMNS):
                    changed.add(("links", row["id"]))
            continue
        offset = 0
        if rows:
            found = edits.region_offset(db, document_id, table, side, rows[0]["id"])
            if found is None:
                changed.update((table, row["id"]) for row in rows)
                continue
            offset = found - rows[0]["position"]
        now = edits.read_region(db, document_id, table, side, snapshot["start"] + offset,
                    snapshot["stop"] + offset)
        if [_row_key(table, r) for r in now] != [_row_key(table, r) for r in rows]:
            changed.update((table, row["id"]) for row in [*rows, *now])
        offsets[(table, side)] = offset
    for snapshot in target:
        if snapshot.get("kind"):
            continue
        table = snapshot["table"]
        leaving = {row["id"] for s in current if s["table"] == table for row in s["rows"]}
        wanted = [row["id"] for row in snapshot["rows"] if row["id"] not in leaving]
        changed.update((table, i) for i in edits.taken_ids(db, table, wanted))
    return offsets, changed


def _touched(entry: dict) -> set[tuple[str, int]]:
    return {(snapshot["table"], row["id"])
            for column in ("before", "after") for snapshot in json.loads(entry[column])
            for row in snapshot["rows"]}


def _blocked(db, document_id: int, entry: dict, changed: set, undo: bool,
             skip: set[int] = frozenset()) -> UndoBlocked:
    """Who changed the rows since `entry` was made (or undone): the latest such change."""
    verb = "undone" if undo else "redone"
    for other in recorded.entries_since(db, document_id, entry):
        if other["id"] not in skip and _touched(other) & changed:
            by = other["undone_by"] if other["state"] == UNDONE else other["user"]
            what = other["summary"] or other["op"]
            when = (other["undone_at"] if other["state"] == UNDONE else other["time"]) or ""
            return UndoBlocked(
                f"{by} changed the same rows since ({what}, {when.replace('T', ' ')[:16]}): "
                f"{entry['summary'] or entry['op']} (change by {entry['user']}) was not {verb}, "
                f"so that their work is not overwritten. Ask {by}, or correct the rows by hand.",
                by)
    return UndoBlocked(
        f"the rows of {entry['summary'] or entry['op']} were changed since (a re-import or a "
        f"re-alignment): it can no longer be {verb}; correct the rows by hand.", None)


def _shifted(snapshot: dict, offset: int) -> dict:
    if not offset or snapshot.get("kind"):
        return snapshot
    return dict(snapshot, start=snapshot["start"] + offset, stop=snapshot["stop"] + offset,
                rows=[dict(row, position=row["position"] + offset) for row in snapshot["rows"]])


def _replay(db, document_id: int, *, undo: bool, user: str | None, version: int | None,
            seq: int | None = None):
    """Undo (or redo) one step: a change and the changes that join it (its re-alignment),
    latest first for an undo, in one transaction: all of it, or nothing."""
    user = (user or "").strip() or ANONYMOUS
    with db.atomic():  # one transaction; rolled back if anything raises
        new_version = _claim(db, document_id, version)
        step = _step_of(db, document_id, _entry_to_replay(db, document_id, undo, user, seq))
        head, summary = step[0], _step_summary(db, document_id, step)
        span, statuses, scores, focus, stamp = None, (), (), None, store.now()
        for entry in (reversed(step) if undo else step):
            entry_span, entry_statuses, entry_scores = _replay_entry(
                db, document_id, dict(entry, summary=summary), undo, user, stamp,
                skip={member["id"] for member in step})
            span = _then(span, entry_span)
            statuses += entry_statuses
            scores += entry_scores
            if entry is head and entry_span is not None and \
                    entry_span.stop_after > entry_span.start:  # the row put back, not what
                focus = _link_at(db, document_id, entry_span.start)["id"]  # a later edit moved
        if focus is not None and not edits.link_exists(db, focus):
            focus = _link_at(db, document_id, span.start)["id"] \
                if span is not None and span.stop_after > span.start else None
    verb = "Undid" if undo else "Redid"
    if statuses and focus is None:
        focus = statuses[-1]["id"]
    return Change(new_version, "undo" if undo else "redo",
                  f"{verb}: {summary[0].lower()}{summary[1:]} (change by {head['user']})",
                  span, focus, head["seq"], statuses, scores=scores)


def _replay_entry(db, document_id: int, entry: dict, undo: bool, user: str, stamp: str,
                  skip: set[int]) -> tuple[Span | None, tuple[dict, ...], tuple[dict, ...]]:
    """Undo or redo one history entry; what it moved, the review columns and the scores
    it set."""
    before, after = json.loads(entry["before"]), json.loads(entry["after"])
    target, current = (before, after) if undo else (after, before)
    offsets, changed = _locate(db, document_id, current, target)
    if changed:
        raise _blocked(db, document_id, entry, changed, undo, skip)
    stops = {(r["table"], r["side"]): r.get("stop") for r in current if not r.get("kind")}
    target = [_shifted(s, offsets.get((s["table"], s["side"]), 0)) for s in target]
    stops = {key: (stop + offsets.get(key, 0) if stop is not None else None)
             for key, stop in stops.items()}
    for snapshot in target:
        edits.apply_snapshot(db, document_id, snapshot,
                             stops.get((snapshot["table"], snapshot["side"])))
    recorded.mark(db, entry["id"], UNDONE if undo else DONE, user if undo else None,
                  stamp if undo else None)
    return _links_span(target, stops), _statuses(target), _rescores(target)


def _then(first: Span | None, second: Span | None) -> Span | None:
    """The span of two edits made one after the other, as if they were one."""
    if first is None or second is None:
        return first or second
    start = min(first.start, second.start)
    stop = max(first.stop_after, second.stop_before)  # after the first edit
    return Span(start, stop - (first.stop_after - first.stop_before),
                stop + (second.stop_after - second.stop_before), first.shifts + second.shifts)


def followed_by(first: Change, then: Change) -> Change:
    """A change and the change that completes it (its re-alignment, `joins`) as one answer:
    the rows both moved, the latest version, and the rows the second one created."""
    if then.seq is None:
        return replace(first, changed_links=first.changed_links + then.changed_links)
    summary = _and_realigned(first.summary, len(then.changed_links))
    return Change(then.version, first.op, summary, _then(first.links, then.links),
                  first.focus_link, first.seq, first.statuses + then.statuses,
                  first.changed_links + then.changed_links, first.scores + then.scores)


FOLLOW_UP_REACH = 100
"""After a correction, the automatic rows at most this many rows away from it are
re-aligned, those beyond standing as anchors. Only the changes the correction reaches are
kept (`changes_reaching`), and they end within a few rows of it, so a wider reach finds the
same rows; it only keeps the first corrections of a long unreviewed document from
re-aligning the whole document (seconds on a novel)."""


def realign_follow_up(db, document_id: int, link_ids: Sequence[int], embedder: Embedder,
                      settings: AlignSettings | None = None, *, user: str | None = None,
                      version: int | None = None, joins: int | None = None,
                      memo: VectorMemo | None = None) -> Change:
    """What the product runs after a correction, in the editor (`realign_after`) and in the
    simulated review alike: `realign_around` the corrected rows, within `FOLLOW_UP_REACH`,
    taking only the changes the correction reaches."""
    return realign_around(db, document_id, link_ids, embedder, settings, user=user,
                          version=version, joins=joins, memo=memo, reach=FOLLOW_UP_REACH,
                          reached_only=True)


def realign_after(db, document_id: int, change: Change, embedder: Embedder,
                  settings: AlignSettings | None = None, *, user: str | None = None,
                  memo: VectorMemo | None = None) -> Change:
    """After a correction, re-align the automatic rows around the rows it changed, joined to
    it as one undo step (`realign_around` with `joins`); both as one change.

    The correction stands whatever happens next: if a colleague changed the document in
    between, it was finished meanwhile, the database stayed busy or no model can embed,
    the answer says the rows around it were not re-aligned, and why. `memo` keeps the
    document's vectors between corrections (`realign_around`)."""
    if change.seq is None or change.links is None:
        return change
    span = change.links
    corrected = [row["id"] for row in edits.read_region(
        db, document_id, "links", None, span.start, max(span.stop_after, span.start + 1))]
    try:
        follow_up = realign_follow_up(db, document_id, corrected, embedder, settings,
                                      user=user, version=change.version, joins=change.seq,
                                      memo=memo)
    except (Conflict, DocumentFinished, NotFound, ModelLoadError, store.DatabaseBusy) as error:
        return replace(change, summary=f"{change.summary} (the rows around it were not "
                                       f"re-aligned: {error})")
    return followed_by(change, follow_up)


def _joinable(db, document_id: int, seq: int, user: str) -> int:
    """The change a new entry of `user` may complete: their own, not undone (its first
    entry, if `seq` itself completes another)."""
    row = recorded.entry_owner(db, document_id, seq)
    if row is None:
        raise NotFound(f"there is no change {seq} in this document's history")
    owner, state, joins = row
    if owner != user:
        raise ReviewError(f"change {seq} is not a change of {user}: only its author's "
                          "follow-up can join it")
    if state != DONE:
        raise ReviewError(f"change {seq} is {state}: nothing can join it")
    return seq if joins is None else joins


def _step_of(db, document_id: int, entry: dict) -> list[dict]:
    """The entries undone and redone together with `entry`: the change that starts its
    step, then those that join it, in order (only those in `entry`'s state)."""
    seq = entry["seq"] if entry.get("joins") is None else entry["joins"]
    return recorded.step_entries(db, document_id, seq, entry["state"]) or [entry]


def _created_rows(entry: dict) -> int:
    """How many links an entry created (a re-alignment's new rows)."""
    ids = {column: {row["id"] for snapshot in json.loads(entry[column])
                    if snapshot["table"] == "links" and not snapshot.get("kind")
                    for row in snapshot["rows"]} for column in ("before", "after")}
    return len(ids["after"] - ids["before"])


def _step_summary(db, document_id: int, step: Sequence[dict]) -> str:
    """What a step did, said once: the change, and how many rows its re-alignment made."""
    head = step[0]
    return _and_realigned(head["summary"] or head["op"],
                          sum(_created_rows(entry) for entry in step[1:]))


def undo(db, document_id: int, *, user: str | None = None, version: int | None = None,
         seq: int | None = None) -> Change:
    """Put back the rows of your own latest change (or of change `seq`, whoever made it).

    Colleagues' later changes to other rows stay; if one of them changed the same rows,
    the undo is refused with their name rather than overwriting their work.
    """
    return _replay(db, document_id, undo=True, user=user, version=version, seq=seq)


def redo(db, document_id: int, *, user: str | None = None, version: int | None = None,
         seq: int | None = None) -> Change:
    """Apply again the change you undid last (until a new edit of yours drops it)."""
    return _replay(db, document_id, undo=False, user=user, version=version, seq=seq)


def history(db: sqlite_utils.Database, document_id: int, limit: int = 200) -> list[dict]:
    """The latest steps, newest first: who did what, when, and whether it is undone. A
    correction and the re-alignment that joins it are one step, said in one line."""
    steps = recorded.recent(db, document_id, limit)
    created: dict[int, int] = {}
    if steps:  # one query for the entries that join the steps listed
        for joined in recorded.joined_after(db, document_id, steps[-1]["seq"]):
            created[joined["joins"]] = created.get(joined["joins"], 0) + _created_rows(joined)
    return [_said_with_rows(step, created.get(step["seq"], 0)) for step in steps]


def _said_with_rows(step: dict, new: int) -> dict:
    step["summary"] = _and_realigned(step["summary"], new)
    return step


def _and_realigned(summary: str, new: int) -> str:
    """A correction's summary, with the rows its re-alignment created, if any."""
    return summary + (f", and re-aligned {new} row{'s' * (new != 1)}" if new else "")


def _with_joined(db, document_id: int, step: dict) -> dict:
    joined = recorded.joined_snapshots(db, document_id, step["seq"])
    return _said_with_rows(step, sum(_created_rows(entry) for entry in joined))


def last_event(db: sqlite_utils.Database, document_id: int) -> dict | None:
    """The latest change or undo of a change (an undo is news to colleagues too); a
    re-alignment that completes a correction is told as that correction's step."""
    event = recorded.last_event(db, document_id)
    if event is None:
        return None
    joins = event.pop("joins")
    if joins is not None:
        event = recorded.shown_entry(db, document_id, joins) or event
    return _with_joined(db, document_id, event)


def can_undo_redo(db: sqlite_utils.Database, document_id: int,
                  user: str | None = None) -> dict:
    """How many changes `user` can undo (their own) and redo (those they undid)."""
    user = (user or "").strip() or ANONYMOUS
    return undo_counts_by_user(db, document_id).get(user, {"undo": 0, "redo": 0})


def undo_counts_by_user(db: sqlite_utils.Database, document_id: int) -> dict[str, dict]:
    """`can_undo_redo` for everyone who can undo or redo something here."""
    counts: dict[str, dict] = {}
    for who, state, count in recorded.undo_counts(db, document_id):
        counts.setdefault(who, {"undo": 0, "redo": 0})["undo" if state == DONE else "redo"] \
            = count
    return counts


# --- finished documents ---------------------------------------------------------------


def refuse_if_finished(db, document_id: int) -> None:
    """Raise `DocumentFinished` (saying by whom and when) if the document is finished."""
    try:
        store.refuse_if_finished(db, document_id)
    except store.DocumentFinished as error:
        raise DocumentFinished.from_store(error) from error


def _when(stamp: str) -> str:
    return stamp.replace("T", " ").rstrip("Z")


def finish(db, document_id: int, *, user: str | None = None,
           version: int | None = None) -> dict:
    """Mark a document finished: every edit is refused until it is reopened. With
    `version`, only if nobody changed it since the page the translator looked at."""
    user = (user or "").strip() or ANONYMOUS
    with db.atomic():
        row = edits.finished_mark(db, document_id)
        if row is not None and row[0]:
            raise ReviewError(f"this document is already finished (marked by {row[1]} on "
                              f"{_when(row[0])} UTC)")
        _claim(db, document_id, version)  # refuses a stale page
        edits.set_finished(db, document_id, store.now(), user)
    return edits.finished_state(db, document_id)


def reopen(db, document_id: int, *, user: str | None = None,
           version: int | None = None) -> dict:
    """Open a finished document for edits again."""
    with db.atomic():
        row = edits.finished_mark(db, document_id)
        if row is None:
            raise NotFound(f"no document with id {document_id}")
        if not row[0]:
            raise ReviewError("this document is not finished: it is open for edits already")
        edits.set_finished(db, document_id, None, None)
        _claim(db, document_id, version)
    return edits.finished_state(db, document_id)


# --- lookups ------------------------------------------------------------------------


def _link_at(db, document_id: int, position: int) -> dict:
    rows = edits.read_region(db, document_id, "links", None, position, position + 1)
    if not rows:
        raise NotFound(f"no row {position + 1}")
    return rows[0]


def _link(db, document_id: int, link_id: int) -> dict:
    position = edits.link_position(db, document_id, link_id)
    if position is None:
        raise NotFound(f"link {link_id} is not in this document (it may have been merged away)")
    return _link_at(db, document_id, position)


def _sentence(db, document_id: int, sentence_id: int) -> dict:
    row = edits.sentence(db, document_id, sentence_id)
    if row is None:
        raise NotFound(f"sentence {sentence_id} is not in this document")
    return row


def _link_holding(db, document_id: int, sentence: dict) -> dict:
    position = edits.position_of_link_holding(db, document_id, sentence["side"],
                                              sentence["id"])
    if position is None:
        raise NotFound(f"sentence {sentence['id']} belongs to no link: re-align the document")
    return _link_at(db, document_id, position)


def _ids(link: dict, side: str) -> list[int]:
    return link["source_ids" if side == store.SOURCE else "target_ids"]


def _with_ids(link: dict, side: str, ids: list[int]) -> dict:
    return dict(link, **{("source_ids" if side == store.SOURCE else "target_ids"): ids})


def _check_side(side: str) -> None:
    if side not in SIDES:
        raise ReviewError(f"side must be 'source' or 'target', not {side!r}")


SCORE_TOLERANCE = 0.005
"""Scores closer than this show the same on the page (two decimals): not a change."""


def _same_score(old: float | None, new: float | None) -> bool:
    if old is None or new is None:
        return old is new
    return abs(old - new) < SCORE_TOLERANCE


def _a(word: str) -> str:
    """The word with its indefinite article: "a French", "an English"."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _require_neighbour(edit: Edit, position: int, direction: str, purpose: str) -> None:
    """Refuse an operation that needs the row above (or below) when there is none."""
    if direction == UP and position == 0:
        raise ReviewError(f"row 1 is the first row: there is no row above to {purpose}")
    if direction == DOWN and position >= edits.link_count(edit.db, edit.document_id) - 1:
        raise ReviewError(
            f"row {position + 1} is the last row: there is no row below to {purpose}")


def _is_empty(link: dict) -> bool:
    return not link["source_ids"] and not link["target_ids"]


# --- the operations -------------------------------------------------------------------


def _check_status(status: str) -> Status:
    if status not in STATUSES:
        raise ReviewError(f"status must be one of {', '.join(STATUSES)}")
    return Status(status)


def set_status(db, document_id: int, link_id: int, status: str = Status.CONFIRMED,
               *, user: str | None = None, version: int | None = None) -> Change:
    """Confirm a row (or put it back to automatic, mark it edited or not for translation)."""
    status = _check_status(status)

    def work(edit: Edit):
        position = _link(edit.db, document_id, link_id)["position"]
        (link,) = edit.statuses(position, position + 1)
        edit.set_statuses([edit.touched(link, status)])
        return f"Marked row {position + 1} {STATUS_WORDS[status]}", link_id

    return run(db, document_id, "status", work, user=user, version=version)


def set_status_range(db, document_id: int, first_link_id: int, last_link_id: int,
                     status: str = Status.EXCLUDED, *, user: str | None = None,
                     version: int | None = None) -> Change:
    """Give every row from one link to another (either order) the same status, as one
    undoable step: e.g. an introduction or a run of captions marked not for translation."""
    status = _check_status(status)

    def work(edit: Edit):
        first, last = sorted(_link(edit.db, document_id, i)["position"]
                             for i in (first_link_id, last_link_id))
        rows = edit.statuses(first, last + 1)
        edit.set_statuses([edit.touched(row, status) for row in rows])
        where = f"row {first + 1}" if first == last else f"rows {first + 1}–{last + 1}"
        return f"Marked {where} {STATUS_WORDS[status]}", last_link_id

    return run(db, document_id, "status_range", work, user=user, version=version)


def confirm_through(db, document_id: int, link_id: int, *, user: str | None = None,
                    version: int | None = None) -> Change:
    """Confirm this row and every automatic row above it (edited rows stay edited)."""

    def work(edit: Edit):
        position = _link(edit.db, document_id, link_id)["position"]
        rows = edit.statuses(0, position + 1, Status.AUTO)
        if not rows:
            raise ReviewError(f"rows 1–{position + 1} are all reviewed already")
        edit.set_statuses([edit.touched(r, Status.CONFIRMED) for r in rows])
        return f"Confirmed rows 1–{position + 1} ({len(rows)} changed)", link_id

    return run(db, document_id, "confirm_through", work, user=user, version=version)


def confirm_above(db, document_id: int, threshold: float, *, user: str | None = None,
                  version: int | None = None) -> Change:
    """Confirm every automatic row whose confidence is at least `threshold`, as one step:
    the translator stops looking where the expected errors left are few enough. Rows
    without a score (reshaped with no model) are left for a look."""
    if not 0.0 <= threshold <= 1.0:
        raise ReviewError(f"the threshold must be between 0 and 1, not {threshold}")

    def work(edit: Edit):
        rows = edit.statuses(0, 1 << 62, Status.AUTO, min_score=threshold)
        if not rows:
            raise ReviewError(f"no automatic row scores {threshold:.2f} or more")
        scores = edits.link_scores(edit.db, [row["id"] for row in rows])
        expected = expected_errors([{"status": Status.AUTO, "score": scores[row["id"]]}
                                    for row in rows])
        edit.set_statuses([edit.touched(row, Status.CONFIRMED) for row in rows])
        return (f"Confirmed the {len(rows)} automatic row{'s' * (len(rows) != 1)} scoring "
                f"{threshold:.2f} or more (about {expected:.1f} expected wrong)", None)

    return run(db, document_id, "confirm_above", work, user=user, version=version)


def merge(db, document_id: int, link_id: int, direction: str = DOWN, *,
          user: str | None = None, version: int | None = None,
    scorer: Scorer | None = None) -> Change:
    """Merge a row with the next one (`down`) or the previous one (`up`)."""
    if direction not in (UP, DOWN):
        raise ReviewError("direction must be 'up' or 'down'")

    def work(edit: Edit):
        position = _link(edit.db, document_id, link_id)["position"]
        _require_neighbour(edit, position, direction, "merge with")
        first = position if direction == DOWN else position - 1
        rows = edit.links(first, first + 2)
        upper, lower = rows
        both_excluded = upper["status"] == lower["status"] == Status.EXCLUDED
        merged = edit.touched(dict(
            upper, source_ids=upper["source_ids"] + lower["source_ids"],
            target_ids=upper["target_ids"] + lower["target_ids"], score=None,
        ), Status.EXCLUDED if both_excluded else Status.EDITED)
        edit.replace("links", [merged])
        return f"Merged rows {first + 1} and {first + 2}", merged["id"]

    return run(db, document_id, "merge", work, user=user, version=version,
               scorer=scorer)


def split(db, document_id: int, link_id: int, *, user: str | None = None,
          version: int | None = None,
    scorer: Scorer | None = None) -> Change:
    """Split a multi-sentence row into one row per sentence, paired in order."""

    def work(edit: Edit):
        position = _link(edit.db, document_id, link_id)["position"]
        (link,) = edit.links(position, position + 1)
        sources, targets = link["source_ids"], link["target_ids"]
        count = max(len(sources), len(targets))
        if count < 2:
            raise ReviewError(f"row {position + 1} holds one sentence per side: nothing to split")
        rows = [edit.touched(dict(link, source_ids=sources[:1], target_ids=targets[:1],
                                  score=None))]
        for k in range(1, count):
            rows.append(edit.new_link(sources[k : k + 1], targets[k : k + 1],
                                      status=rows[0]["status"]))
        edit.replace("links", rows)
        return f"Split row {position + 1} into {count} rows", link_id

    return run(db, document_id, "split", work, user=user, version=version,
               scorer=scorer)


def shift(db, document_id: int, link_id: int, side: str, direction: str, *,
          user: str | None = None, version: int | None = None,
    scorer: Scorer | None = None) -> Change:
    """Move one sentence of `side` to the neighbouring row.

    `up` moves the row's first sentence to the end of the row above; `down`
    moves its last sentence to the start of the row below; a row left empty
    disappears. At the edge of the document there is no such row, and the
    shift is refused (it would break a correct pair into a 1-0 and a 0-1 row).
    """
    _check_side(side)
    if direction not in (UP, DOWN):
        raise ReviewError("direction must be 'up' or 'down'")

    def work(edit: Edit):
        position = _link(edit.db, document_id, link_id)["position"]
        _require_neighbour(edit, position, direction, f"take {_a(SIDE_NAMES[side])} sentence")
        first = position - 1 if direction == UP else position
        rows = edit.links(first, first + 2)
        index = rows.index(next(r for r in rows if r["id"] == link_id))
        link = rows[index]
        ids = _ids(link, side)
        if not ids:
            raise ReviewError(f"row {position + 1} has no {SIDE_NAMES[side]} sentence to shift")
        moved = ids[0] if direction == UP else ids[-1]
        rest = ids[1:] if direction == UP else ids[:-1]
        new_rows = list(rows)
        new_rows[index] = edit.touched(_with_ids(link, side, rest))
        neighbour = index - 1 if direction == UP else index + 1
        other = rows[neighbour]
        other_ids = _ids(other, side) + [moved] if direction == UP \
            else [moved] + _ids(other, side)
        new_rows[neighbour] = edit.touched(_with_ids(other, side, other_ids))
        focus = new_rows[neighbour]["id"]
        edit.replace("links", [r for r in new_rows if not _is_empty(r)])
        where = "above" if direction == UP else "below"
        return (f"Shifted {_a(SIDE_NAMES[side])} sentence of row {position + 1} {where}",
                focus)

    return run(db, document_id, "shift", work, user=user, version=version,
               scorer=scorer)


def insert_empty(db, document_id: int, link_id: int, side: str, *,
                 user: str | None = None, version: int | None = None,
    scorer: Scorer | None = None) -> Change:
    """Give this row's `side` text an empty counterpart (a 1-0 or 0-1 row).

    The other side's text moves to a new row just below, still unreviewed, so
    that it can be merged or shifted where it belongs.
    """
    _check_side(side)

    def work(edit: Edit):
        position = _link(edit.db, document_id, link_id)["position"]
        (link,) = edit.links(position, position + 1)
        other = store.TARGET if side == store.SOURCE else store.SOURCE
        if not _ids(link, side) or not _ids(link, other):
            raise ReviewError(f"row {position + 1} already has an empty side")
        alone = edit.touched(dict(_with_ids(link, other, []), score=None))
        pushed = edit.new_link([], [], status=Status.AUTO)
        pushed = _with_ids(pushed, other, _ids(link, other))
        edit.replace("links", [alone, pushed])
        return (f"Gave the {SIDE_NAMES[side]} text of row {position + 1} an empty counterpart",
                link_id)

    return run(db, document_id, "insert_empty", work, user=user, version=version,
               scorer=scorer)


def edit_text(db, document_id: int, sentence_id: int, text: str, *,
              user: str | None = None, version: int | None = None,
    scorer: Scorer | None = None) -> Change:
    """Correct a sentence's text; its row counts as edited by hand."""
    text = " ".join(text.split())
    if not text:
        raise ReviewError("a sentence cannot be empty: join it with its neighbour instead")

    def work(edit: Edit):
        sentence = _sentence(edit.db, document_id, sentence_id)
        holder = _link_holding(edit.db, document_id, sentence)
        (row,) = edit.sentences(sentence["side"], sentence["position"],
                                sentence["position"] + 1)
        edit.replace("sentences", [dict(row, text=text)], sentence["side"])
        (link,) = edit.links(holder["position"], holder["position"] + 1)
        edit.replace("links", [edit.touched(link)])
        return (f"Edited {SIDE_NAMES[sentence['side']]} sentence {sentence['position'] + 1}",
                link["id"])

    return run(db, document_id, "edit_text", work, user=user, version=version,
               scorer=scorer)


def split_sentence(db, document_id: int, sentence_id: int, offset: int, *,
                   user: str | None = None, version: int | None = None,
    scorer: Scorer | None = None) -> Change:
    """Cut a sentence in two at character `offset`; both halves stay in its row."""

    def work(edit: Edit):
        sentence = _sentence(edit.db, document_id, sentence_id)
        head, tail = sentence["text"][:offset].strip(), sentence["text"][offset:].strip()
        if offset <= 0 or not head or not tail:
            raise ReviewError("put the cursor inside the sentence, between the two parts")
        holder = _link_holding(edit.db, document_id, sentence)
        side, position = sentence["side"], sentence["position"]
        (row,) = edit.sentences(side, position, position + 1)
        second = dict(row, id=edit.new_id("sentences"), text=tail)
        edit.replace("sentences", [dict(row, text=head), second], side)
        (link,) = edit.links(holder["position"], holder["position"] + 1)
        ids = _ids(link, side)
        ids.insert(ids.index(row["id"]) + 1, second["id"])
        edit.replace("links", [edit.touched(_with_ids(link, side, ids))])
        return f"Split {SIDE_NAMES[side]} sentence {position + 1} in two", link["id"]

    return run(db, document_id, "split_sentence", work, user=user, version=version,
               scorer=scorer)


def join_sentences(db, document_id: int, sentence_id: int, *, user: str | None = None,
                   version: int | None = None,
    scorer: Scorer | None = None) -> Change:
    """Join a sentence with the next one on its side, into the first one's row."""

    def work(edit: Edit):
        sentence = _sentence(edit.db, document_id, sentence_id)
        side, position = sentence["side"], sentence["position"]
        following = edits.read_region(edit.db, document_id, "sentences", side, position + 1,
                                      position + 2)
        if not following:
            raise ReviewError(f"{SIDE_NAMES[side]} sentence {position + 1} is the last one")
        first_holder = _link_holding(edit.db, document_id, sentence)
        second_holder = _link_holding(edit.db, document_id, following[0])
        first, second = edit.sentences(side, position, position + 2)
        joined = dict(first, text=f"{first['text']} {second['text']}")
        edit.replace("sentences", [joined], side)
        rows = edit.links(first_holder["position"], second_holder["position"] + 1)
        new_rows = []
        for row in rows:
            ids = [i for i in _ids(row, side) if i != second["id"]]
            if row["id"] == first_holder["id"] or ids != _ids(row, side):
                row = edit.touched(_with_ids(row, side, ids))
            if not _is_empty(row):
                new_rows.append(row)
        edit.replace("links", new_rows)
        return (f"Joined {SIDE_NAMES[side]} sentences {position + 1} and {position + 2}",
                first_holder["id"])

    return run(db, document_id, "join_sentences", work, user=user, version=version,
               scorer=scorer)


def _read_to_realign(db, document_id: int, version: int | None) -> StoredDocument:
    """The document to re-align, from one snapshot, refused with the editor's errors."""
    try:
        return read_stored(db, document_id, expected_version=version)
    except DocumentMissing as error:
        raise NotFound(str(error)) from error
    except StaleVersion as error:
        raise Conflict(error.expected, error.current) from error
    except store.DocumentFinished as error:
        raise DocumentFinished.from_store(error) from error


def realign(db, document_id: int, embedder: Embedder, settings: AlignSettings | None = None,
            *, user: str | None = None, version: int | None = None) -> Change:
    """Re-align every automatic row; confirmed and edited rows are fixed anchors.

    The alignment is computed before the write transaction (embedding may take a
    while, and the embedding cache commits on its own); the version check then
    makes sure nobody changed the document meanwhile. Rows that come out the same
    keep their ids, so links to them stay valid.
    """
    planned = align_read(db, _read_to_realign(db, document_id, version), embedder, settings)

    def work(edit: Edit):
        rows = edit.links(0, 1 << 62)
        previous = {(tuple(r["source_ids"]), tuple(r["target_ids"])): r for r in rows}
        new_rows, changed = [], 0
        for link in planned.links:
            source_ids, target_ids = planned.sentence_ids(link)
            old = previous.get((tuple(source_ids), tuple(target_ids)))
            if old is not None and old["status"] != Status.AUTO:
                new_rows.append(old)  # an anchor, untouched
            elif old is not None and _same_score(old["score"], link.score):
                new_rows.append(old)  # unchanged as the page shows it: no needless undo step
            elif old is not None:
                new_rows.append(dict(old, score=link.score))
            else:
                new_rows.append(edit.new_link(source_ids, target_ids, Status.AUTO, link.score))
                changed += 1
        edit.replace("links", new_rows)
        return f"Re-aligned the unconfirmed rows ({changed} new)", None

    return run(db, document_id, "realign", work, user=user, version=planned.version)


def _automatic_run(links: list[dict], position: int) -> tuple[int, int]:
    """The positions lo..hi of the automatic rows on either side of `position` (and the row
    there if it is automatic itself): what a correction at `position` can change."""
    lo = position
    while lo > 0 and links[lo - 1]["status"] == Status.AUTO:
        lo -= 1
    hi = position + 1 if links[position]["status"] == Status.AUTO else position
    if hi == position:  # a reviewed row: the runs before and after it
        hi = position + 1
    while hi < len(links) and links[hi]["status"] == Status.AUTO:
        hi += 1
    return lo, hi


def _runs_around(links: list[dict], positions: Sequence[int],
                 reach: int | None = None) -> list[tuple[int, int]]:
    """The disjoint position ranges of automatic rows next to `positions` (at most `reach`
    rows away, if given), merged."""
    runs: list[tuple[int, int]] = []
    windows = []
    for p in positions:
        lo, hi = _automatic_run(links, p)
        if reach is not None:
            lo, hi = max(lo, p - reach), min(hi, p + reach + 1)
        windows.append((lo, hi))
    for lo, hi in sorted(windows):
        if runs and lo <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(hi, runs[-1][1]))
        else:
            runs.append((lo, hi))
    return runs


def changes_reaching(old: Sequence[Link], new: Sequence[Link], start: int,
                     corrected: set[int]) -> list[Link]:
    """The rows of a run once re-aligned, keeping only the changes a correction reaches.

    `old` are the run's rows (the first at position `start`), `new` the aligner's rows over
    the same sentences. Rows found in both cut them into blocks that differ; a block is
    taken from `new` only if it holds or touches a `corrected` position with no unchanged
    row in between. A block beyond an unchanged row is not the correction's doing (the
    aligner searched a shorter stretch, not the whole document), and the simulated review
    found that such changes made more rows wrong than right (docs/review-simulation.md)."""
    same = {(link.source, link.target) for link in old} & \
        {(link.source, link.target) for link in new}
    out: list[Link] = []
    k = 0  # next row of new
    block: list[int] = []  # positions of the old rows of the current block

    def close() -> None:
        nonlocal k
        taken = []
        while k < len(new) and (new[k].source, new[k].target) not in same:
            taken.append(new[k])
            k += 1
        if not block:  # cannot hold sentences (both sides cover the same ones): kept whole
            out.extend(taken)
            return
        first, last = block[0], block[-1]
        reached = any(p in corrected for p in range(first - 1, last + 2))
        out.extend(taken if reached else (old[p - start] for p in block))
        block.clear()

    for position, link in enumerate(old, start=start):
        if (link.source, link.target) in same:
            close()
            out.append(new[k] if (new[k].source, new[k].target) == (link.source, link.target)
                       else link)
            k += 1
        else:
            block.append(position)
    close()
    return out


def realign_around(db, document_id: int, link_ids: Sequence[int], embedder: Embedder,
                   settings: AlignSettings | None = None, *, user: str | None = None,
                   version: int | None = None, joins: int | None = None,
                   memo: VectorMemo | None = None, reach: int | None = None,
                   reached_only: bool = False) -> Change:
    """Re-align only the automatic rows next to `link_ids` (just corrected, usually), up to
    the nearest reviewed rows on each side: a correction then repairs its neighbours too.

    Reviewed rows are never changed. Like `realign`, the alignment is computed before the
    write transaction and the version check makes sure nothing moved meanwhile; rows that
    come out the same keep their ids. The result's `changed_links` lists the new rows.
    Only the stretches between reviewed rows that hold those runs are aligned, with the
    side offsets of the whole document (from `memo` when given), so the rows are those a
    re-alignment of the whole document would give. With `reach`, only the automatic rows
    at most that many rows away are re-aligned, those beyond staying as they are (quicker on
    a long unreviewed run). With `reached_only`, only the changes the correction reaches are
    taken (`changes_reaching`); those beyond a row the re-alignment left the same stay as
    they were. What the product runs after a correction takes both: `realign_follow_up`
    (docs/review-simulation.md says why).
    """
    stored = _read_to_realign(db, document_id, version)
    stored_links = stored.links
    at = {link["id"]: position for position, link in enumerate(stored_links)}
    positions = [at[i] for i in link_ids if i in at]
    runs = [(lo, hi) for lo, hi in _runs_around(stored_links, positions, reach)
            if any(link["status"] == Status.AUTO for link in stored_links[lo:hi])]
    if not runs:
        return Change(stored.version, "realign_around", "Nothing to re-align around this row",
                      None, None)
    source, target = stored.source, stored.target
    source_index, target_index = stored.source_index, stored.target_index
    free = {link["id"] for lo, hi in runs for link in stored_links[lo:hi]
            if link["status"] == Status.AUTO}  # beyond reach, automatic rows stay too
    anchors = [anchor for anchor, _ in document_anchors(
        stored_links, source_index, target_index, lambda link: link["id"] not in free)]
    texts = [r["text"] for r in source], [r["text"] for r in target]
    paragraphs = [r["paragraph"] for r in source], [r["paragraph"] for r in target]
    cached = with_cache(embedder, store.SqliteEmbeddingCache(db))
    result = align_spans_holding(
        *texts, cached, settings,
        positions=({source_index[i] for lo, hi in runs for link in stored_links[lo:hi]
                    for i in link["source_ids"]},
                   {target_index[j] for lo, hi in runs for link in stored_links[lo:hi]
                    for j in link["target_ids"]}),
        vectors=memo.vectors(*texts, cached, settings) if memo is not None else None,
        statistics=None if memo is None else memo.statistics(
            *texts, cached, settings, source_paragraphs=paragraphs[0],
            target_paragraphs=paragraphs[1]),
        source_paragraphs=paragraphs[0], target_paragraphs=paragraphs[1], anchors=anchors,
    )
    replacements = []  # (lo, hi, the aligner's links over the run's sentences)
    for lo, hi in runs:
        run_source = {source_index[i] for link in stored_links[lo:hi] for i in link["source_ids"]}
        run_target = {target_index[j] for link in stored_links[lo:hi] for j in link["target_ids"]}
        inside = [link for link in result
                  if set(link.source) <= run_source and set(link.target) <= run_target
                  and (link.source or link.target)]
        covered = sorted(i for link in inside for i in link.source), \
            sorted(j for link in inside for j in link.target)
        if covered == (sorted(run_source), sorted(run_target)):
            old = [Link(tuple(source_index[i] for i in link["source_ids"]),
                        tuple(target_index[j] for j in link["target_ids"]), link["score"])
                   for link in stored_links[lo:hi]]
            replacements.append((lo, hi, changes_reaching(old, inside, lo, set(positions))
                                 if reached_only else inside))
    changed: list[int] = []

    def work(edit: Edit):
        if not replacements:
            return "Re-aligned the rows around the correction (0 new)", None
        first, last = replacements[0][0], replacements[-1][1]
        rows = edit.links(first, last)  # one region: the rows between the runs stay
        new_rows, position = [], first
        for lo, hi, inside in replacements:
            new_rows += rows[position - first:lo - first]
            previous = {(tuple(r["source_ids"]), tuple(r["target_ids"])): r
                        for r in rows[lo - first:hi - first]}
            for link in inside:
                source_ids = [source[i]["id"] for i in link.source]
                target_ids = [target[j]["id"] for j in link.target]
                old = previous.get((tuple(source_ids), tuple(target_ids)))
                if old is not None:
                    new_rows.append(old if _same_score(old["score"], link.score)
                                    else dict(old, score=link.score))
                else:
                    new_rows.append(edit.new_link(source_ids, target_ids, Status.AUTO,
                                                  link.score))
                    changed.append(new_rows[-1]["id"])
            position = hi
        new_rows += rows[position - first:]
        edit.replace("links", new_rows)
        return f"Re-aligned the rows around the correction ({len(changed)} new)", None

    change = run(db, document_id, "realign_around", work, user=user,
                 version=stored.version, joins=joins)
    return replace(change, changed_links=tuple(changed)) if change.seq else change


def set_links(db, document_id: int, links: Sequence[tuple[Sequence[int], Sequence[int]]], *,
              status: str = Status.CONFIRMED, user: str | None = None,
              version: int | None = None, scorer: Scorer | None = None) -> Change:
    """Pair chosen sentences by hand, as one undoable step: each of `links` (source sentence
    ids, target sentence ids; consecutive on each side) becomes a reviewed row.

    The rows that held those sentences give way; the rest of their sentences stay in
    automatic rows, in reading order (split where a new pair now stands between them), so
    that a re-alignment around the new pairs (`realign_around`) can place them. Reviewed rows
    holding none of the sentences stay as they are; a pair that would cross one is refused.
    """
    status = _check_status(status)
    wanted = [(list(source), list(target)) for source, target in links]
    if not wanted or any(not source and not target for source, target in wanted):
        raise ReviewError("give at least one pair, each with a sentence on one side at least")
    chosen = [i for source, target in wanted for i in (*source, *target)]
    if len(set(chosen)) != len(chosen):
        raise ReviewError("a sentence can be in only one of the pairs")

    def work(edit: Edit):
        place = _sentence_places(edit.db, document_id, chosen)
        pairs = []
        for source, target in wanted:
            for side, ids in ((store.SOURCE, source), (store.TARGET, target)):
                if any(place[i][0] != side for i in ids):
                    raise ReviewError(f"a sentence given as {SIDE_NAMES[side]} is not on that "
                                      "side")
                positions = [place[i][1] for i in ids]
                if positions and positions != list(range(positions[0],
                                                         positions[0] + len(positions))):
                    raise ReviewError(f"the {SIDE_NAMES[side]} sentences of a pair must be "
                                      "next to each other, in reading order")
            pairs.append((source, target))
        holders = _positions_holding(edit.db, document_id, chosen)
        first, last = min(holders), max(holders)
        rows = edit.links(first, last + 1)
        new_rows = _paired_rows(edit, rows, pairs, set(chosen), status)
        edit.replace("links", new_rows)
        focus = next(row["id"] for row in new_rows
                     if (row["source_ids"], row["target_ids"]) == pairs[0])
        count = len(pairs)
        return (f"Paired {count} row{'s' if count > 1 else ''} by hand at row {first + 1}",
                focus)

    return run(db, document_id, "set_links", work, user=user, version=version, scorer=scorer)


def _sentence_places(db, document_id: int, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """Each sentence id's side and position; NotFound for one not in the document."""
    places = edits.sentence_places(db, document_id, ids)
    missing = [i for i in ids if i not in places]
    if missing:
        raise NotFound(f"sentence {missing[0]} is not in this document")
    return places


def _positions_holding(db, document_id: int, sentence_ids: Sequence[int]) -> set[int]:
    """The positions of the links holding any of these sentences."""
    wanted = set(sentence_ids)
    return {position for position, source_ids, target_ids
            in edits.link_members(db, document_id)
            if wanted.intersection(source_ids) or wanted.intersection(target_ids)}


def _paired_rows(edit: Edit, rows: list[dict], pairs: list[tuple[list[int], list[int]]],
                 chosen: set[int], status: str) -> list[dict]:
    """The rows of the region once the pairs stand in it (see `set_links`)."""
    places = _sentence_places(edit.db, edit.document_id,
                              [i for row in rows for i in row["source_ids"] + row["target_ids"]])
    fixed = []
    for source, target in pairs:
        same = next((row for row in rows if row["source_ids"] == source
                     and row["target_ids"] == target), None)
        fixed.append(edit.touched(same, status) if same is not None
                     else edit.new_link(source, target, status))
    kept = [row for row in rows if row["status"] != Status.AUTO
            and not chosen.intersection(row["source_ids"] + row["target_ids"])]
    chain = _reading_order(fixed + kept, places)
    if chain is None:
        raise ReviewError("these pairs cross a reviewed row or each other: pair sentences so "
                          "that every row stays in reading order")
    cuts = _cuts(chain, places)
    in_chain = {row["id"] for row in chain}
    pieces: dict[int, list[dict]] = {}  # gap between chain rows -> automatic rows, in order
    for row in rows:
        if row["id"] in in_chain:
            continue
        groups: dict[int, tuple[list[int], list[int]]] = {}
        for index, column in enumerate(("source_ids", "target_ids")):
            for i in row[column]:
                if i not in chosen:
                    gap = bisect.bisect_right(cuts[index], places[i][1])
                    groups.setdefault(gap, ([], []))[index].append(i)
        whole = list(groups.values()) == [(row["source_ids"], row["target_ids"])]
        for gap in sorted(groups):
            pieces.setdefault(gap, []).append(
                row if whole else edit.new_link(*groups[gap], Status.AUTO))
    out = list(pieces.get(0, []))
    for gap, row in enumerate(chain, start=1):
        out.append(row)
        out += pieces.get(gap, [])
    return out


def _reading_order(rows: list[dict], places: dict[int, tuple[str, int]]) -> list[dict] | None:
    """`rows` (fixed: sentences pairs and kept reviewed rows) in reading order on both sides,
    or None if that cannot be (two of them cross or overlap)."""
    def first(row: dict, column: str) -> int:
        return places[row[column][0]][1]

    chain = sorted((row for row in rows if row["source_ids"]),
                   key=lambda row: first(row, "source_ids"))
    for alone in sorted((row for row in rows if not row["source_ids"]),
                        key=lambda row: first(row, "target_ids")):
        at = next((k for k, row in enumerate(chain) if row["target_ids"]
                   and first(row, "target_ids") > first(alone, "target_ids")), len(chain))
        chain.insert(at, alone)
    for column in ("source_ids", "target_ids"):
        positions = [places[i][1] for row in chain for i in row[column]]
        if positions != sorted(set(positions)):
            return None
    return chain


def _cuts(chain: list[dict], places: dict[int, tuple[str, int]]) -> tuple[list[int], list[int]]:
    """For each side, where each chain row stands: a sentence left over at position p belongs
    after the chain rows whose cut is at most p. A row with nothing on a side stands right
    after the chain rows before it there."""
    cuts: tuple[list[int], list[int]] = ([], [])
    for index, column in enumerate(("source_ids", "target_ids")):
        end = -1
        for row in chain:
            if row[column]:
                cuts[index].append(places[row[column][0]][1])
                end = places[row[column][-1]][1] + 1
            else:
                cuts[index].append(end)
    return cuts
