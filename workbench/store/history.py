"""The review history: one row per edit, with the before/after rows undo and redo need.

`workbench.review` decides what an edit, an undo or a redo does; these are the
statements it runs on the `history` table.
"""

from __future__ import annotations

import json

import sqlite_utils

DONE, UNDONE, DROPPED = "done", "undone", "dropped"
_LISTED = "seq, op, summary, user, time, state, undone_by, undone_at, focus_link"


def _dicts(cursor) -> list[dict]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def _one(db: sqlite_utils.Database, sql: str, parameters: list) -> dict | None:
    rows = list(db.query(sql, parameters))
    return rows[0] if rows else None


def drop_redoable(db: sqlite_utils.Database, document_id: int, user: str) -> None:
    """A new change of `user` ends what they could redo (not a colleague's)."""
    db.execute(
        "update history set state = ? where document_id = ? and state = ? and undone_by = ?",
        [DROPPED, document_id, UNDONE, user],
    )


def record(db: sqlite_utils.Database, document_id: int, *, op: str, summary: str, user: str,
           time: str, focus_link: int | None, before: list[dict], after: list[dict],
           joins: int | None = None) -> int:
    """Add an edit to the document's history; return its sequence number. `joins`: the
    entry this one completes (a re-alignment after a correction), undone with it."""
    (seq,) = db.execute(
        "select coalesce(max(seq), 0) + 1 from history where document_id = ?", [document_id],
    ).fetchone()
    db.execute(
        "insert into history (document_id, seq, op, summary, user, time, state, "
        "focus_link, before, after, joins) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [document_id, seq, op, summary, user, time, DONE, focus_link,
         json.dumps(before), json.dumps(after), joins],
    )
    return seq


def entry(db: sqlite_utils.Database, document_id: int, seq: int) -> dict | None:
    return _one(db, "select * from history where document_id = ? and seq = ?",
                [document_id, seq])


def latest_done_by(db: sqlite_utils.Database, document_id: int, user: str) -> dict | None:
    """The user's latest change still in force: what their undo undoes."""
    return _one(db, "select * from history where document_id = ? and state = ? and user = ? "
                    "order by seq desc limit 1", [document_id, DONE, user])


def latest_undone_by(db: sqlite_utils.Database, document_id: int, user: str) -> dict | None:
    """The change the user undid last: what their redo redoes."""
    return _one(db, "select * from history where document_id = ? and state = ? and "
                    "undone_by = ? order by undone_at desc, seq asc limit 1",
                [document_id, UNDONE, user])


def count_in_state(db: sqlite_utils.Database, document_id: int, state: str) -> int:
    return db.execute("select count(*) from history where document_id = ? and state = ?",
                      [document_id, state]).fetchone()[0]


def entries_since(db: sqlite_utils.Database, document_id: int, since: dict) -> list[dict]:
    """The other entries made (or undone) after `since` was made or undone, newest first."""
    return list(db.query(
        "select * from history where document_id = ? and id != ? and "
        "(seq > ? or coalesce(undone_at, '') >= ?) order by seq desc",
        [document_id, since["id"], since["seq"], since["undone_at"] or since["time"]]))


def mark(db: sqlite_utils.Database, entry_id: int, state: str, undone_by: str | None,
         undone_at: str | None) -> None:
    """Set an entry's state after an undo (who, when) or a redo (neither)."""
    db.execute("update history set state = ?, undone_by = ?, undone_at = ? where id = ?",
               [state, undone_by, undone_at, entry_id])


def recent(db: sqlite_utils.Database, document_id: int, limit: int) -> list[dict]:
    """The latest steps, newest first (an entry that joins another is part of its step)."""
    return list(db.query(
        f"select {_LISTED} from history where document_id = ? and joins is null "
        "order by seq desc limit ?",
        [document_id, limit]))


def last_event(db: sqlite_utils.Database, document_id: int) -> dict | None:
    """The latest change or undo of a change, with the entry it joins (if any)."""
    return _one(db, f"select {_LISTED}, joins from history where document_id = ? "
                    "order by max(time, coalesce(undone_at, '')) desc, seq desc limit 1",
                [document_id])


def undo_counts(db: sqlite_utils.Database, document_id: int) -> list[tuple[str, str, int]]:
    """(user, state, count): how many changes each user can undo (`done`, their own) and
    redo (`undone`, those they undid); a correction and its re-alignment count once."""
    return db.execute(
        "select case when state = ? then user else undone_by end, state, count(*) "
        "from history where document_id = ? and state in (?, ?) and joins is null "
        "group by 1, 2",
        [DONE, document_id, DONE, UNDONE],
    ).fetchall()


# --- steps: an entry and the entries that join it (`joins`) ----------------------------


def entry_owner(db: sqlite_utils.Database, document_id: int,
                seq: int) -> tuple[str, str, int | None] | None:
    """Who made entry `seq`, its state, and the entry it joins (None: it starts a step)."""
    row = db.execute("select user, state, joins from history where document_id = ? and "
                     "seq = ?", [document_id, seq]).fetchone()
    return None if row is None else tuple(row)


def step_entries(db: sqlite_utils.Database, document_id: int, seq: int,
                 state: str) -> list[dict]:
    """Entry `seq` and the entries that join it, in `state`, in order (whole rows)."""
    return _dicts(db.execute(
        "select * from history where document_id = ? and (seq = ? or joins = ?) and state = ? "
        "order by seq", [document_id, seq, seq, state]))


def joined_snapshots(db: sqlite_utils.Database, document_id: int, seq: int) -> list[dict]:
    """The `before` and `after` of the entries that join entry `seq`."""
    return _dicts(db.execute("select before, after from history where document_id = ? and "
                             "joins = ?", [document_id, seq]))


def joined_after(db: sqlite_utils.Database, document_id: int, seq: int) -> list[dict]:
    """`joins`, `before` and `after` of every entry later than `seq` that joins another."""
    return _dicts(db.execute(
        "select joins, before, after from history where document_id = ? and seq > ? and "
        "joins is not null", [document_id, seq]))


def shown_entry(db: sqlite_utils.Database, document_id: int, seq: int) -> dict | None:
    """Entry `seq` as the history view shows it."""
    rows = _dicts(db.execute(f"select {_LISTED} from history where document_id = ? and "
                             "seq = ?", [document_id, seq]))
    return rows[0] if rows else None
