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
from workbench.align import AlignSettings, align, align_spans_holding
from workbench.embed import Embedder, with_cache
from workbench.pipeline import document_anchors
from workbench.status import Status
from workbench.vector_memo import VectorMemo

SIDES = (store.SOURCE, store.TARGET)
STATUSES = tuple(Status)
STATUS_WORDS = {Status.AUTO: "automatic", Status.CONFIRMED: "confirmed",
                Status.EDITED: "edited", Status.EXCLUDED: "not for translation"}
UP, DOWN = "up", "down"
DONE, UNDONE, DROPPED = "done", "undone", "dropped"
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


class ReviewError(ValueError):
    """The edit makes no sense here (nothing to merge, nothing to split...); says why."""


class NotFound(ReviewError):
    """A document, link or sentence id that is not (or no longer) there."""


class DocumentFinished(ReviewError):
    """The document is marked finished: locked against edits until someone reopens it."""

    @classmethod
    def from_store(cls, error: store.DocumentFinished) -> DocumentFinished:
        return cls(str(error))


class Conflict(RuntimeError):
    """Someone else changed the document since the version the edit was made on."""

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


def _where(table: str, side: str | None) -> str:
    return "document_id = ?" + (" and side = ?" if table == "sentences" and side else "")


def _params(document_id: int, side: str | None) -> list:
    return [document_id] + ([side] if side else [])


def _encode(table: str, row: dict) -> dict:
    if table != "links":
        return row
    return {**row, "source_ids": json.dumps(row["source_ids"]),
            "target_ids": json.dumps(row["target_ids"])}


def _decode(table: str, row: dict) -> dict:
    if table == "links":
        row["source_ids"] = json.loads(row["source_ids"])
        row["target_ids"] = json.loads(row["target_ids"])
    return row


def _read(db, document_id: int, table: str, side: str | None, start: int, stop: int):
    where = _where(table, side)
    return [
        _decode(table, dict(row))
        for row in db[table].rows_where(
            f"{where} and position >= ? and position < ?",
            [*_params(document_id, side), start, stop], order_by="position",
        )
    ]


STATUS_COLUMNS = ("status", "updated", "updated_by")


def _apply(db, document_id: int, snapshot: dict, stop_now: int | None) -> None:
    """Make the region hold `snapshot`'s rows; the region currently ends at `stop_now`."""
    if snapshot.get("kind") == "status":
        db.conn.executemany(
            "update links set status = ?, updated = ?, updated_by = ? "
            "where id = ? and document_id = ?",
            [[row[c] for c in STATUS_COLUMNS] + [row["id"], document_id]
             for row in snapshot["rows"]],
        )
        return
    table, side, start = snapshot["table"], snapshot["side"], snapshot["start"]
    where, params = _where(table, side), _params(document_id, side)
    db.execute(
        f"delete from {table} where {where} and position >= ? and position < ?",
        [*params, start, stop_now],
    )
    delta = snapshot["stop"] - stop_now
    if delta:
        db.execute(
            f"update {table} set position = position + ? where {where} and position >= ?",
            [delta, *params, stop_now],
        )
    rows = [_encode(table, row) for row in snapshot["rows"]]
    if rows:
        columns = list(rows[0])
        db.conn.executemany(
            f"insert into {table} ({', '.join(columns)}) "
            f"values ({', '.join('?' * len(columns))})",
            [[row.get(c) for c in columns] for row in rows],
        )


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
        rows = _read(self.db, self.document_id, "links", None, start, stop)
        self.regions.append(Region("links", None, start, start + len(rows), before=rows))
        return [dict(row, source_ids=list(row["source_ids"]),
                     target_ids=list(row["target_ids"])) for row in rows]

    def sentences(self, side: str, start: int, stop: int) -> list[dict]:
        rows = _read(self.db, self.document_id, "sentences", side, start, stop)
        self.regions.append(Region("sentences", side, start, start + len(rows), before=rows))
        return [dict(row) for row in rows]

    def statuses(self, start: int, stop: int, status: str | None = None) -> list[dict]:
        """The review columns of the links start..stop (only those with `status`, if given).

        Status changes need no region: the rows are patched in place, which keeps
        confirming a whole long document as quick as confirming one row.
        """
        query = ("select id, position, status, updated, updated_by from links "
                 "where document_id = ? and position >= ? and position < ?")
        params = [self.document_id, max(start, 0), stop]
        if status is not None:
            query += " and status = ?"
            params.append(status)
        columns = ("id", "position", *STATUS_COLUMNS)
        rows = [dict(zip(columns, row, strict=True))
                for row in self.db.execute(query + " order by position", params)]
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
            (highest,) = self.db.execute(f"select coalesce(max(id), 0) from {table}").fetchone()
            self._next_ids[table] = highest + 1
        self._next_ids[table] += 1
        return self._next_ids[table] - 1

    def touched(self, link: dict, status: str | None = None) -> dict:
        """A link changed by hand now: it is reviewed, by this user, at this time.

        Without `status`, it is edited, unless it was not for translation: correcting
        such a row's text or sentences leaves it outside exports and progress."""
        if status is None:
            status = store.EXCLUDED if link["status"] == store.EXCLUDED else store.EDITED
        return dict(link, status=status, updated=self.stamp, updated_by=self.user)

    def new_link(self, source_ids: Sequence[int], target_ids: Sequence[int],
                 status: str = store.EDITED, score: float | None = None) -> dict:
        return {
            "id": self.new_id("links"), "document_id": self.document_id, "position": 0,
            "source_ids": list(source_ids), "target_ids": list(target_ids), "score": score,
            "status": status, "created": self.stamp, "updated": self.stamp,
            "updated_by": self.user,
        }


def _claim(db, document_id: int, expected: int | None) -> int:
    """Bump the document's version if it is still `expected`; this takes the write lock."""
    refuse_if_finished(db, document_id)
    if expected is None:
        cursor = db.execute(
            "update documents set version = version + 1, updated = ? where id = ?",
            [store.now(), document_id],
        )
    else:
        cursor = db.execute(
            "update documents set version = version + 1, updated = ? "
            "where id = ? and version = ?",
            [store.now(), document_id, expected],
        )
    if cursor.rowcount == 0:
        row = db.execute("select version from documents where id = ?", [document_id]).fetchone()
        if row is None:
            raise NotFound(f"no document with id {document_id}")
        raise Conflict(expected, row[0])
    return db.execute("select version from documents where id = ?", [document_id]).fetchone()[0]


def _status_json(rows: list[dict]) -> dict:
    return {"table": "links", "side": None, "kind": "status", "rows": rows}


def _links_span(regions: Sequence[dict], stops: dict) -> Span | None:
    links_region, shifts = None, []
    for region in regions:
        if region.get("kind") == "status":
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
                marks = ",".join("?" * len(missing))
                texts.update(edit.db.execute(
                    f"select id, text from sentences where id in ({marks})", missing).fetchall())
            row["score"] = scorer([texts[i] for i in row["source_ids"]],
                                  [texts[i] for i in row["target_ids"]])
    edit.db.conn.executemany("update links set score = ? where id = ?",
                             [[row["score"], row["id"]] for row in reshaped])


def run(
    db: sqlite_utils.Database,
    document_id: int,
    op: str,
    work,
    *,
    user: str | None = None,
    version: int | None = None,
    scorer: Scorer | None = None,
) -> Change:
    """Run `work(edit) -> (summary, focus_link_id)` as one recorded, undoable edit.

    With a `scorer`, links the edit reshapes get a new confidence; without one they
    have none (shown as "–") rather than a score that no longer describes them.
    """
    user = (user or "").strip() or ANONYMOUS
    try:
        return _run_recorded(db, document_id, op, work, user, version, scorer)
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
                  scorer: Scorer | None) -> Change:
    for _ in range(EMBEDDING_ROUNDS):
        try:
            return _run_once(db, document_id, op, work, user, version, scorer)
        except NeedsEmbedding as needed:  # rolled back; embed without holding the lock
            if not scorer.embed(db, needed.texts):
                break
    return _run_once(db, document_id, op, work, user, version, scorer, last_round=True)


def _run_once(db, document_id: int, op: str, work, user: str, version: int | None,
              scorer: Scorer | None, *, last_round: bool = False) -> Change:
    with db.atomic():  # one transaction; rolled back if anything raises
        new_version = _claim(db, document_id, version)
        edit = Edit(db, document_id, user, new_version)
        summary, focus = work(edit)
        if _unchanged(edit):  # no undo step, no new version, the page keeps its selection
            raise _NothingChanged(new_version - 1, f"{summary}: nothing changed")
        before, after, stops = [], [], {}
        for region in edit.regions:
            if region.after is None:
                region.after, region.stop_after = region.before, region.stop_before
            before.append(region.to_json(region.before, region.stop_before))
            after.append(region.to_json(region.after, region.stop_after))
            stops[(region.table, region.side)] = region.stop_before
        if edit.status_after:
            before.append(_status_json(edit.status_before))
            after.append(_status_json(edit.status_after))
        for snapshot in after:
            _apply(db, document_id, snapshot, stops.get((snapshot["table"], snapshot["side"])))
        if op not in ALIGNER_OPS:  # `after` holds the same rows: the history gets the new scores
            _rescore(edit, scorer or _no_score, last_round=last_round)
        db.execute(  # a new change of yours ends what you could redo (not a colleague's)
            "update history set state = ? where document_id = ? and state = ? and undone_by = ?",
            [DROPPED, document_id, UNDONE, user],
        )
        (seq,) = db.execute(
            "select coalesce(max(seq), 0) + 1 from history where document_id = ?",
            [document_id],
        ).fetchone()
        db.execute(
            "insert into history (document_id, seq, op, summary, user, time, state, "
            "focus_link, before, after) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [document_id, seq, op, summary, user, edit.stamp, DONE, focus,
             json.dumps(before), json.dumps(after)],
        )
    return Change(new_version, op, summary, _links_span(after, stops), focus, seq,
                  _statuses(after))


def _statuses(snapshots: Sequence[dict]) -> tuple[dict, ...]:
    return tuple(
        {k: row[k] for k in ("id", *STATUS_COLUMNS)}
        for snapshot in snapshots if snapshot.get("kind") == "status"
        for row in snapshot["rows"]
    )


class UndoBlocked(ReviewError):
    """A colleague changed the rows of the change to undo (or redo) since: going on would
    silently overwrite their work. Names them and their change."""

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
        cursor = db.execute("select * from history where document_id = ? and seq = ?",
                            [document_id, seq])
    elif undo:
        cursor = db.execute(
            "select * from history where document_id = ? and state = ? and user = ? "
            "order by seq desc limit 1", [document_id, DONE, user])
    else:
        cursor = db.execute(
            "select * from history where document_id = ? and state = ? and undone_by = ? "
            "order by undone_at desc, seq asc limit 1", [document_id, UNDONE, user])
    row = cursor.fetchone()
    if row is None:
        if seq is not None:
            raise NotFound(f"there is no change {seq} in this document's history")
        verb = "undo" if undo else "redo"
        others = db.execute(
            "select count(*) from history where document_id = ? and state = ?",
            [document_id, DONE if undo else UNDONE]).fetchone()[0]
        if others:
            raise ReviewError(f"nothing to {verb}: {user} has no change of their own to {verb} "
                              "here (the others' changes are theirs to undo)")
        raise ReviewError(f"nothing to {verb}")
    entry = dict(zip([d[0] for d in cursor.description], row, strict=True))
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
        if snapshot.get("kind") == "status":
            for row in rows:
                found = db.execute(
                    "select status, updated, updated_by from links where id = ? and "
                    "document_id = ?", [row["id"], document_id]).fetchone()
                if found is None or tuple(found) != tuple(row[c] for c in STATUS_COLUMNS):
                    changed.add(("links", row["id"]))
            continue
        offset = 0
        if rows:
            found = db.execute(
                f"select position from {table} where id = ? and {_where(table, side)}",
                [rows[0]["id"], *_params(document_id, side)]).fetchone()
            if found is None:
                changed.update((table, row["id"]) for row in rows)
                continue
            offset = found[0] - rows[0]["position"]
        now = _read(db, document_id, table, side, snapshot["start"] + offset,
                    snapshot["stop"] + offset)
        if [_row_key(table, r) for r in now] != [_row_key(table, r) for r in rows]:
            changed.update((table, row["id"]) for row in [*rows, *now])
        offsets[(table, side)] = offset
    for snapshot in target:
        if snapshot.get("kind") == "status":
            continue
        table = snapshot["table"]
        leaving = {row["id"] for s in current if s["table"] == table for row in s["rows"]}
        wanted = [row["id"] for row in snapshot["rows"] if row["id"] not in leaving]
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            taken = db.execute(
                f"select id from {table} where id in ({','.join('?' * len(chunk))})", chunk)
            changed.update((table, i) for (i,) in taken.fetchall())
    return offsets, changed


def _touched(entry: dict) -> set[tuple[str, int]]:
    return {(snapshot["table"], row["id"])
            for column in ("before", "after") for snapshot in json.loads(entry[column])
            for row in snapshot["rows"]}


def _blocked(db, document_id: int, entry: dict, changed: set, undo: bool) -> UndoBlocked:
    """Who changed the rows since `entry` was made (or undone): the latest such change."""
    cursor = db.execute(
        "select * from history where document_id = ? and id != ? and "
        "(seq > ? or coalesce(undone_at, '') >= ?) order by seq desc",
        [document_id, entry["id"], entry["seq"], entry["undone_at"] or entry["time"]])
    columns = [d[0] for d in cursor.description]
    verb = "undone" if undo else "redone"
    for row in cursor:
        other = dict(zip(columns, row, strict=True))
        if _touched(other) & changed:
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
    if not offset or snapshot.get("kind") == "status":
        return snapshot
    return dict(snapshot, start=snapshot["start"] + offset, stop=snapshot["stop"] + offset,
                rows=[dict(row, position=row["position"] + offset) for row in snapshot["rows"]])


def _replay(db, document_id: int, *, undo: bool, user: str | None, version: int | None,
            seq: int | None = None):
    user = (user or "").strip() or ANONYMOUS
    with db.atomic():  # one transaction; rolled back if anything raises
        new_version = _claim(db, document_id, version)
        entry = _entry_to_replay(db, document_id, undo, user, seq)
        before, after = json.loads(entry["before"]), json.loads(entry["after"])
        target, current = (before, after) if undo else (after, before)
        offsets, changed = _locate(db, document_id, current, target)
        if changed:
            raise _blocked(db, document_id, entry, changed, undo)
        stops = {(r["table"], r["side"]): r.get("stop") for r in current}
        target = [_shifted(s, offsets.get((s["table"], s["side"]), 0)) for s in target]
        stops = {key: (stop + offsets.get(key, 0) if stop is not None else None)
                 for key, stop in stops.items()}
        for snapshot in target:
            _apply(db, document_id, snapshot, stops[(snapshot["table"], snapshot["side"])])
        db.execute(
            "update history set state = ?, undone_by = ?, undone_at = ? where id = ?",
            [UNDONE if undo else DONE, user if undo else None,
             store.now() if undo else None, entry["id"]],
        )
        span = _links_span(target, stops)
        focus = None
        if span is not None and span.stop_after > span.start:  # the row put back, not
            focus = _link_at(db, document_id, span.start)["id"]  # what a later edit moved there
    verb = "Undid" if undo else "Redid"
    summary = entry["summary"] or entry["op"]
    statuses = _statuses(target)
    if statuses and focus is None:
        focus = statuses[-1]["id"]
    return Change(new_version, "undo" if undo else "redo",
                  f"{verb}: {summary[0].lower()}{summary[1:]} (change by {entry['user']})",
                  span, focus, entry["seq"], statuses)


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
    """The latest edits, newest first: who did what, when, and whether it is undone."""
    return list(db.query(
        "select seq, op, summary, user, time, state, undone_by, undone_at, focus_link "
        "from history where document_id = ? order by seq desc limit ?",
        [document_id, limit],
    ))


def last_event(db: sqlite_utils.Database, document_id: int) -> dict | None:
    """The latest change or undo of a change (an undo is news to colleagues too)."""
    rows = list(db.query(
        "select seq, op, summary, user, time, state, undone_by, undone_at, focus_link "
        "from history where document_id = ? "
        "order by max(time, coalesce(undone_at, '')) desc, seq desc limit 1", [document_id]))
    return rows[0] if rows else None


def can_undo_redo(db: sqlite_utils.Database, document_id: int,
                  user: str | None = None) -> dict:
    """How many changes `user` can undo (their own) and redo (those they undid)."""
    user = (user or "").strip() or ANONYMOUS
    return undo_counts_by_user(db, document_id).get(user, {"undo": 0, "redo": 0})


def undo_counts_by_user(db: sqlite_utils.Database, document_id: int) -> dict[str, dict]:
    """`can_undo_redo` for everyone who can undo or redo something here."""
    counts: dict[str, dict] = {}
    for who, state, count in db.execute(
        "select case when state = ? then user else undone_by end, state, count(*) "
        "from history where document_id = ? and state in (?, ?) group by 1, 2",
        [DONE, document_id, DONE, UNDONE],
    ):
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


def _finished_state(db, document_id: int) -> dict:
    row = db.execute("select name, version, finished, finished_by from documents where id = ?",
                     [document_id]).fetchone()
    return dict(zip(("document", "version", "finished", "finished_by"), row, strict=True))


def finish(db, document_id: int, *, user: str | None = None,
           version: int | None = None) -> dict:
    """Mark a document finished: every edit is refused until it is reopened. With
    `version`, only if nobody changed it since the page the translator looked at."""
    user = (user or "").strip() or ANONYMOUS
    with db.atomic():
        row = db.execute("select finished, finished_by from documents where id = ?",
                         [document_id]).fetchone()
        if row is not None and row[0]:
            raise ReviewError(f"this document is already finished (marked by {row[1]} on "
                              f"{_when(row[0])} UTC)")
        _claim(db, document_id, version)  # refuses a stale page
        db.execute("update documents set finished = ?, finished_by = ? where id = ?",
                   [store.now(), user, document_id])
    return _finished_state(db, document_id)


def reopen(db, document_id: int, *, user: str | None = None,
           version: int | None = None) -> dict:
    """Open a finished document for edits again."""
    with db.atomic():
        row = db.execute("select finished from documents where id = ?",
                         [document_id]).fetchone()
        if row is None:
            raise NotFound(f"no document with id {document_id}")
        if not row[0]:
            raise ReviewError("this document is not finished: it is open for edits already")
        db.execute("update documents set finished = null, finished_by = null where id = ?",
                   [document_id])
        _claim(db, document_id, version)
    return _finished_state(db, document_id)


# --- lookups ------------------------------------------------------------------------


def _link_at(db, document_id: int, position: int) -> dict:
    rows = _read(db, document_id, "links", None, position, position + 1)
    if not rows:
        raise NotFound(f"no row {position + 1}")
    return rows[0]


def _link(db, document_id: int, link_id: int) -> dict:
    row = db.execute(
        "select position from links where id = ? and document_id = ?", [link_id, document_id]
    ).fetchone()
    if row is None:
        raise NotFound(f"link {link_id} is not in this document (it may have been merged away)")
    return _link_at(db, document_id, row[0])


def _sentence(db, document_id: int, sentence_id: int) -> dict:
    rows = list(db["sentences"].rows_where(
        "id = ? and document_id = ?", [sentence_id, document_id]))
    if not rows:
        raise NotFound(f"sentence {sentence_id} is not in this document")
    return rows[0]


def _link_holding(db, document_id: int, sentence: dict) -> dict:
    column = "source_ids" if sentence["side"] == store.SOURCE else "target_ids"
    row = db.execute(
        f"select position from links where document_id = ? and exists "
        f"(select 1 from json_each(links.{column}) where value = ?)",
        [document_id, sentence["id"]],
    ).fetchone()
    if row is None:
        raise NotFound(f"sentence {sentence['id']} belongs to no link: re-align the document")
    return _link_at(db, document_id, row[0])


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
    if direction == DOWN:
        (count,) = edit.db.execute(
            "select count(*) from links where document_id = ?", [edit.document_id]).fetchone()
        if position >= count - 1:
            raise ReviewError(
                f"row {position + 1} is the last row: there is no row below to {purpose}")


def _is_empty(link: dict) -> bool:
    return not link["source_ids"] and not link["target_ids"]


# --- the operations -------------------------------------------------------------------


def _check_status(status: str) -> Status:
    if status not in STATUSES:
        raise ReviewError(f"status must be one of {', '.join(STATUSES)}")
    return Status(status)


def set_status(db, document_id: int, link_id: int, status: str = store.CONFIRMED,
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
        rows = edit.statuses(0, position + 1, store.AUTO)
        if not rows:
            raise ReviewError(f"rows 1–{position + 1} are all reviewed already")
        edit.set_statuses([edit.touched(r, store.CONFIRMED) for r in rows])
        return f"Confirmed rows 1–{position + 1} ({len(rows)} changed)", link_id

    return run(db, document_id, "confirm_through", work, user=user, version=version)


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
        both_excluded = upper["status"] == lower["status"] == store.EXCLUDED
        merged = edit.touched(dict(
            upper, source_ids=upper["source_ids"] + lower["source_ids"],
            target_ids=upper["target_ids"] + lower["target_ids"], score=None,
        ), store.EXCLUDED if both_excluded else store.EDITED)
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
        pushed = edit.new_link([], [], status=store.AUTO)
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
        following = _read(edit.db, document_id, "sentences", side, position + 1, position + 2)
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


def realign(db, document_id: int, embedder: Embedder, settings: AlignSettings | None = None,
            *, user: str | None = None, version: int | None = None) -> Change:
    """Re-align every automatic row; confirmed and edited rows are fixed anchors.

    The alignment is computed before the write transaction (embedding may take a
    while, and the embedding cache commits on its own); the version check then
    makes sure nobody changed the document meanwhile. Rows that come out the same
    keep their ids, so links to them stay valid.
    """
    with store.snapshot(db):  # the version, sentences and links of one moment
        row = db.execute("select version from documents where id = ?",
                         [document_id]).fetchone()
        if row is None:
            raise NotFound(f"no document with id {document_id}")
        if version is not None and version != row[0]:
            raise Conflict(version, row[0])
        refuse_if_finished(db, document_id)  # before the embedding, which takes a while
        version = row[0]
        source = store.sentences(db, document_id, store.SOURCE)
        target = store.sentences(db, document_id, store.TARGET)
        stored_links = store.links(db, document_id)
    source_index = {r["id"]: i for i, r in enumerate(source)}
    target_index = {r["id"]: j for j, r in enumerate(target)}
    anchors = [anchor for anchor, _ in document_anchors(
        stored_links, source_index, target_index, lambda link: link["status"] != store.AUTO)]
    result = align(
        [r["text"] for r in source], [r["text"] for r in target],
        with_cache(embedder, store.SqliteEmbeddingCache(db)), settings,
        source_paragraphs=[r["paragraph"] for r in source],
        target_paragraphs=[r["paragraph"] for r in target], anchors=anchors,
    )

    def work(edit: Edit):
        rows = edit.links(0, 1 << 62)
        previous = {(tuple(r["source_ids"]), tuple(r["target_ids"])): r for r in rows}
        new_rows, changed = [], 0
        for link in result:
            source_ids = [source[i]["id"] for i in link.source]
            target_ids = [target[j]["id"] for j in link.target]
            old = previous.get((tuple(source_ids), tuple(target_ids)))
            if old is not None and old["status"] != store.AUTO:
                new_rows.append(old)  # an anchor, untouched
            elif old is not None and _same_score(old["score"], link.score):
                new_rows.append(old)  # unchanged as the page shows it: no needless undo step
            elif old is not None:
                new_rows.append(dict(old, score=link.score))
            else:
                new_rows.append(edit.new_link(source_ids, target_ids, store.AUTO, link.score))
                changed += 1
        edit.replace("links", new_rows)
        return f"Re-aligned the unconfirmed rows ({changed} new)", None

    return run(db, document_id, "realign", work, user=user, version=version)


def _automatic_run(links: list[dict], position: int) -> tuple[int, int]:
    """The positions lo..hi of the automatic rows on either side of `position` (and the row
    there if it is automatic itself): what a correction at `position` can change."""
    lo = position
    while lo > 0 and links[lo - 1]["status"] == store.AUTO:
        lo -= 1
    hi = position + 1 if links[position]["status"] == store.AUTO else position
    if hi == position:  # a reviewed row: the runs before and after it
        hi = position + 1
    while hi < len(links) and links[hi]["status"] == store.AUTO:
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


def realign_around(db, document_id: int, link_ids: Sequence[int], embedder: Embedder,
                   settings: AlignSettings | None = None, *, user: str | None = None,
                   version: int | None = None, memo: VectorMemo | None = None,
                   reach: int | None = None) -> Change:
    """Re-align only the automatic rows next to `link_ids` (just corrected, usually), up to
    the nearest reviewed rows on each side: a correction then repairs its neighbours too.

    Reviewed rows are never changed. Like `realign`, the alignment is computed before the
    write transaction and the version check makes sure nothing moved meanwhile; rows that
    come out the same keep their ids. The result's `changed_links` lists the new rows.
    Only the stretches between reviewed rows that hold those runs are aligned, with the
    side offsets of the whole document (from `memo` when given), so the rows are those a
    re-alignment of the whole document would give. With `reach`, only the automatic rows
    at most that many rows away are re-aligned, those beyond staying as they are: quicker
    on a long unreviewed run, but the simulated review found it worse on one gold set out of
    two (docs/review-simulation.md).
    """
    with store.snapshot(db):
        row = db.execute("select version from documents where id = ?",
                         [document_id]).fetchone()
        if row is None:
            raise NotFound(f"no document with id {document_id}")
        if version is not None and version != row[0]:
            raise Conflict(version, row[0])
        refuse_if_finished(db, document_id)
        version = row[0]
        source = store.sentences(db, document_id, store.SOURCE)
        target = store.sentences(db, document_id, store.TARGET)
        stored_links = store.links(db, document_id)
    at = {link["id"]: position for position, link in enumerate(stored_links)}
    positions = [at[i] for i in link_ids if i in at]
    runs = [(lo, hi) for lo, hi in _runs_around(stored_links, positions, reach)
            if any(link["status"] == store.AUTO for link in stored_links[lo:hi])]
    if not runs:
        return Change(version, "realign_around", "Nothing to re-align around this row",
                      None, None)
    source_index = {r["id"]: i for i, r in enumerate(source)}
    target_index = {r["id"]: j for j, r in enumerate(target)}
    free = {link["id"] for lo, hi in runs for link in stored_links[lo:hi]
            if link["status"] == store.AUTO}  # beyond reach, automatic rows stay too
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
            replacements.append((lo, hi, inside))
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
                    new_rows.append(edit.new_link(source_ids, target_ids, store.AUTO,
                                                  link.score))
                    changed.append(new_rows[-1]["id"])
            position = hi
        new_rows += rows[position - first:]
        edit.replace("links", new_rows)
        return f"Re-aligned the rows around the correction ({len(changed)} new)", None

    change = run(db, document_id, "realign_around", work, user=user, version=version)
    return replace(change, changed_links=tuple(changed)) if change.seq else change


def set_links(db, document_id: int, links: Sequence[tuple[Sequence[int], Sequence[int]]], *,
              status: str = store.CONFIRMED, user: str | None = None,
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
    places: dict[int, tuple[str, int]] = {}
    for start in range(0, len(ids), 900):
        chunk = list(ids[start : start + 900])
        places.update((sentence_id, (side, position)) for sentence_id, side, position in
                      db.execute(f"select id, side, position from sentences where document_id = "
                                 f"? and id in ({','.join('?' * len(chunk))})",
                                 [document_id, *chunk]))
    missing = [i for i in ids if i not in places]
    if missing:
        raise NotFound(f"sentence {missing[0]} is not in this document")
    return places


def _positions_holding(db, document_id: int, sentence_ids: Sequence[int]) -> set[int]:
    """The positions of the links holding any of these sentences."""
    wanted = set(sentence_ids)
    found = set()
    for position, source_ids, target_ids in db.execute(
            "select position, source_ids, target_ids from links where document_id = ?",
            [document_id]):
        if wanted.intersection(json.loads(source_ids)) or \
                wanted.intersection(json.loads(target_ids)):
            found.add(position)
    return found


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
    kept = [row for row in rows if row["status"] != store.AUTO
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
                row if whole else edit.new_link(*groups[gap], store.AUTO))
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
