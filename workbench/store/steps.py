"""The rows behind review *steps*: a history entry and the entries that join it (the
re-alignment after a correction, `history.joins`), the scores a re-alignment refreshes in
place, and what the review order reads.

`workbench.review` decides what a step is; these are the statements it runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

STEP_COLUMNS = "seq, op, summary, user, time, state, undone_by, undone_at, focus_link"
"""What the history view shows of an entry."""


def _dicts(cursor) -> list[dict]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


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
    rows = _dicts(db.execute(f"select {STEP_COLUMNS} from history where document_id = ? and "
                             "seq = ?", [document_id, seq]))
    return rows[0] if rows else None


def link_exists(db: sqlite_utils.Database, link_id: int) -> bool:
    return db.execute("select 1 from links where id = ?", [link_id]).fetchone() is not None


def link_scores(db: sqlite_utils.Database, link_ids: Sequence[int]) -> dict[int, float | None]:
    """The score of each of `link_ids`."""
    scores: dict[int, float | None] = {}
    for start in range(0, len(link_ids), 900):
        chunk = list(link_ids[start : start + 900])
        scores.update(db.execute(f"select id, score from links where id in "
                                 f"({','.join('?' * len(chunk))})", chunk).fetchall())
    return scores


def review_rows(db: sqlite_utils.Database, document_id: int) -> list[dict]:
    """Each link's id, status and score, in order: what `workbench.review_order` reads (and
    no more: it runs after every edit of a long document)."""
    return [{"id": link_id, "status": status, "score": score} for link_id, status, score in
            db.execute("select id, status, score from links where document_id = ? "
                       "order by position", [document_id])]
