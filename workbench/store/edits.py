"""The rows the review editor reads and writes: regions of links and sentences by
position, review columns, the document's version and its finished mark.

`workbench.review` decides what an edit does; these are the statements it runs.
A *snapshot* is a region as the history keeps it: `table`, `side`, `start`, `stop`
and its `rows` (or, with `kind: status`, review columns patched in place).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import sqlite_utils

from workbench.status import REVIEWED, Status, sql_list

STATUS_COLUMNS = ("status", "updated", "updated_by")
EDITED_TABLES = ("links", "sentences")


def _table(table: str) -> str:
    if table not in EDITED_TABLES:  # a table name goes into the SQL text: never a stranger
        raise ValueError(f"not an edited table: {table!r}")
    return table


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


# --- regions ---------------------------------------------------------------------------


def read_region(db: sqlite_utils.Database, document_id: int, table: str, side: str | None,
                start: int, stop: int) -> list[dict]:
    """The rows of `table` (one `side` of sentences) at positions start..stop, in order;
    links with their id lists decoded."""
    where = _where(_table(table), side)
    return [
        _decode(table, dict(row))
        for row in db[table].rows_where(
            f"{where} and position >= ? and position < ?",
            [*_params(document_id, side), start, stop], order_by="position",
        )
    ]


def apply_snapshot(db: sqlite_utils.Database, document_id: int, snapshot: dict,
                   stop_now: int | None) -> None:
    """Make the region hold `snapshot`'s rows; the region currently ends at `stop_now`.

    Delete the region, shift what follows, insert the other rows (in one batch). A
    "status" or "score" snapshot patches those columns of its links in place."""
    if snapshot.get("kind") == "score":
        db.conn.executemany("update links set score = ? where id = ? and document_id = ?",
                            [[row["score"], row["id"], document_id]
                             for row in snapshot["rows"]])
        return
    if snapshot.get("kind") == "status":
        db.conn.executemany(
            "update links set status = ?, updated = ?, updated_by = ? "
            "where id = ? and document_id = ?",
            [[row[c] for c in STATUS_COLUMNS] + [row["id"], document_id]
             for row in snapshot["rows"]],
        )
        return
    table, side, start = _table(snapshot["table"]), snapshot["side"], snapshot["start"]
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


def region_offset(db: sqlite_utils.Database, document_id: int, table: str, side: str | None,
                  row_id: int) -> int | None:
    """The position of row `row_id` of `table` (and `side`) now; None if it is gone."""
    found = db.execute(
        f"select position from {_table(table)} where id = ? and {_where(table, side)}",
        [row_id, *_params(document_id, side)]).fetchone()
    return None if found is None else found[0]


def taken_ids(db: sqlite_utils.Database, table: str, ids: Sequence[int]) -> set[int]:
    """Which of `ids` a row of `table` holds (in any document)."""
    found: set[int] = set()
    ids = list(ids)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        found.update(i for (i,) in db.execute(
            f"select id from {_table(table)} where id in ({','.join('?' * len(chunk))})",
            chunk).fetchall())
    return found


def next_id(db: sqlite_utils.Database, table: str) -> int:
    """One more than the highest row id of `table`."""
    (highest,) = db.execute(f"select coalesce(max(id), 0) from {_table(table)}").fetchone()
    return highest + 1


# --- links -----------------------------------------------------------------------------


def link_statuses(db: sqlite_utils.Database, document_id: int, start: int, stop: int,
                  status: str | None = None, min_score: float | None = None) -> list[dict]:
    """Id, position and review columns of the links start..stop (only `status` ones, and
    only those scored at least `min_score`)."""
    query = ("select id, position, status, updated, updated_by from links "
             "where document_id = ? and position >= ? and position < ?")
    params: list = [document_id, start, stop]
    if status is not None:
        query += " and status = ?"
        params.append(status)
    if min_score is not None:
        query += " and score >= ?"
        params.append(min_score)
    columns = ("id", "position", *STATUS_COLUMNS)
    return [dict(zip(columns, row, strict=True))
            for row in db.execute(query + " order by position", params)]


def review_columns(db: sqlite_utils.Database, document_id: int,
                   link_id: int) -> tuple | None:
    """(status, updated, updated_by) of a link; None if it is not in the document."""
    found = db.execute("select status, updated, updated_by from links where id = ? and "
                       "document_id = ?", [link_id, document_id]).fetchone()
    return None if found is None else tuple(found)


def set_scores(db: sqlite_utils.Database, scores: Sequence[tuple[float | None, int]]) -> None:
    """Store (score, link id) pairs, in one batch."""
    db.conn.executemany("update links set score = ? where id = ?", list(scores))


def link_position(db: sqlite_utils.Database, document_id: int, link_id: int) -> int | None:
    row = db.execute("select position from links where id = ? and document_id = ?",
                     [link_id, document_id]).fetchone()
    return None if row is None else row[0]


def position_of_link_holding(db: sqlite_utils.Database, document_id: int, side: str,
                             sentence_id: int) -> int | None:
    """The position of the link that holds a sentence of `side`; None if none does."""
    column = "source_ids" if side == "source" else "target_ids"
    row = db.execute(
        f"select position from links where document_id = ? and exists "
        f"(select 1 from json_each(links.{column}) where value = ?)",
        [document_id, sentence_id],
    ).fetchone()
    return None if row is None else row[0]


def link_count(db: sqlite_utils.Database, document_id: int) -> int:
    return db.execute("select count(*) from links where document_id = ?",
                      [document_id]).fetchone()[0]


def review_counts(db: sqlite_utils.Database, document_id: int) -> tuple[int, int, int]:
    """(links, reviewed, not for translation) of a document."""
    total, reviewed, excluded = db.execute(
        f"select count(*), coalesce(sum(status in {sql_list(REVIEWED)}), 0), "
        "coalesce(sum(status = ?), 0) from links where document_id = ?",
        [Status.EXCLUDED.value, document_id],
    ).fetchone()
    return total, reviewed, excluded


def last_review_of_sentence(db: sqlite_utils.Database, document_id: int,
                            sentence_id: int) -> tuple[str | None, str | None] | None:
    """(updated_by, updated) of the link holding a sentence; None if no link holds it."""
    row = db.execute(
        "select updated_by, updated from links where document_id = ? and ("
        "exists (select 1 from json_each(links.source_ids) where value = ?) or "
        "exists (select 1 from json_each(links.target_ids) where value = ?))",
        [document_id, sentence_id, sentence_id],
    ).fetchone()
    return None if row is None else (row[0], row[1])


def links_around(db: sqlite_utils.Database, document_id: int, link_ids: Sequence[int]
                 ) -> list[tuple[int, list[int], list[int]]]:
    """(id, source ids, target ids) of the links from just before the first of `link_ids` to
    just after the last: a row's confidence looks at its neighbours (is one a 1-0 or 0-1?)."""
    ids = list(link_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    first, last = db.execute(
        f"select min(position), max(position) from links where document_id = ? "
        f"and id in ({marks})", [document_id, *ids]).fetchone()
    if first is None:
        return []
    return [(link_id, json.loads(source), json.loads(target))
            for link_id, source, target in db.execute(
                "select id, source_ids, target_ids from links where document_id = ? "
                "and position between ? and ? order by position",
                [document_id, first - 1, last + 1])]


def editor_rows(db: sqlite_utils.Database, document_id: int, start: int,
                stop: int | None) -> tuple[list[tuple], list[tuple]]:
    """The links at positions start..stop (id, source ids, target ids as JSON, score,
    status, updated, updated_by) and the sentences they hold (id, position, paragraph,
    text, kind): raw rows, as the editor loads thousands of them."""
    links = db.execute(
        "select id, source_ids, target_ids, score, status, updated, updated_by from links "
        "where document_id = ? and position >= ? and position < ? order by position",
        [document_id, start, stop if stop is not None else 1 << 62],
    ).fetchall()
    columns = "select id, position, paragraph, text, kind from sentences"
    if start == 0 and stop is None:
        return links, db.execute(f"{columns} where document_id = ?", [document_id]).fetchall()
    ids = sorted({i for row in links for column in (row[1], row[2])
                  for i in json.loads(column)})
    rows: list[tuple] = []
    for chunk in range(0, len(ids), 900):
        part = ids[chunk : chunk + 900]
        rows += db.execute(f"{columns} where id in ({','.join('?' * len(part))})",
                           part).fetchall()
    return links, rows


# --- sentences -------------------------------------------------------------------------


def sentence(db: sqlite_utils.Database, document_id: int, sentence_id: int) -> dict | None:
    rows = list(db["sentences"].rows_where(
        "id = ? and document_id = ?", [sentence_id, document_id]))
    return rows[0] if rows else None


def sentence_text(db: sqlite_utils.Database, document_id: int, sentence_id: int) -> str | None:
    row = db.execute("select text from sentences where id = ? and document_id = ?",
                     [sentence_id, document_id]).fetchone()
    return None if row is None else row[0]


def sentence_texts(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, str]:
    """The text of each sentence of `ids`."""
    found: dict[int, str] = {}
    ids = list(ids)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        found.update(db.execute(
            f"select id, text from sentences where id in ({','.join('?' * len(chunk))})",
            chunk).fetchall())
    return found


def texts_in_order(db: sqlite_utils.Database, document_id: int) -> list[tuple[int, str, str]]:
    """(id, side, text) of every sentence of a document, by side, in reading order."""
    return db.execute("select id, side, text from sentences where document_id = ? "
                      "order by side, position", [document_id]).fetchall()


# --- the document's version and finished mark -----------------------------------------


def document_version(db: sqlite_utils.Database, document_id: int) -> int | None:
    row = db.execute("select version from documents where id = ?", [document_id]).fetchone()
    return None if row is None else row[0]


def bump_version(db: sqlite_utils.Database, document_id: int, expected: int | None,
                 stamp: str) -> bool:
    """Add one to the document's version if it is still `expected` (any, with None);
    False if it is not (or there is no such document). Takes the write lock."""
    if expected is None:
        cursor = db.execute(
            "update documents set version = version + 1, updated = ? where id = ?",
            [stamp, document_id])
    else:
        cursor = db.execute(
            "update documents set version = version + 1, updated = ? "
            "where id = ? and version = ?", [stamp, document_id, expected])
    return cursor.rowcount > 0


def finished_mark(db: sqlite_utils.Database, document_id: int) -> tuple | None:
    """(finished, finished_by) of a document; None if there is no such document."""
    row = db.execute("select finished, finished_by from documents where id = ?",
                     [document_id]).fetchone()
    return None if row is None else tuple(row)


def set_finished(db: sqlite_utils.Database, document_id: int, when: str | None,
                 user: str | None) -> None:
    """Mark a document finished at `when` by `user`; None and None reopen it."""
    db.execute("update documents set finished = ?, finished_by = ? where id = ?",
               [when, user, document_id])


def finished_state(db: sqlite_utils.Database, document_id: int) -> dict:
    """The document's name, version and finished mark."""
    row = db.execute("select name, version, finished, finished_by from documents where id = ?",
                     [document_id]).fetchone()
    return dict(zip(("document", "version", "finished", "finished_by"), row, strict=True))


def sentence_places(db: sqlite_utils.Database, document_id: int,
                    ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """The side and position of each of `ids` that is a sentence of the document."""
    places: dict[int, tuple[str, int]] = {}
    ids = list(ids)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        places.update((sentence_id, (side, position)) for sentence_id, side, position in
                      db.execute(f"select id, side, position from sentences where document_id = "
                                 f"? and id in ({','.join('?' * len(chunk))})",
                                 [document_id, *chunk]))
    return places


def link_members(db: sqlite_utils.Database,
                 document_id: int) -> Iterator[tuple[int, list[int], list[int]]]:
    """(position, source ids, target ids) of every link of the document, in no set order."""
    for position, source_ids, target_ids in db.execute(
            "select position, source_ids, target_ids from links where document_id = ?",
            [document_id]):
        yield position, json.loads(source_ids), json.loads(target_ids)


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
