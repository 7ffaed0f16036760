"""The terminology index's tables: an FTS5 table of sentence keys, kept current by triggers.

Each sentence has one row in `term_index` (rowid = sentence id), holding its token keys
(`workbench.term_keys.index_keys`) in the column of its language. Stemming needs Python,
which SQLite triggers cannot call on every connection, so the triggers only *queue*
inserted or edited sentences (and drop deleted ones at once), in plain SQL that works
whoever writes; `sync` stems the queue before each lookup. `link_members` maps sentences
to their links, also by triggers, so a hit finds its pair without decoding JSON.

The queries the lookup (`workbench.termindex`) runs live here too: they return raw rows,
and the lookup makes hits and translations of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlite_utils

from workbench.term_keys import index_keys

INDEX_COLUMNS = ("fr", "en", "de", "other")


def column_for(lang: str) -> str:
    return lang if lang in INDEX_COLUMNS else "other"


# --- schema -------------------------------------------------------------------------

_TRIGGERS = """
create trigger term_index_sentence_insert after insert on sentences begin
  insert or ignore into term_index_queue (sentence_id) values (new.id);
end;
create trigger term_index_sentence_update after update of text, side, document_id
on sentences begin
  delete from term_index where rowid = old.id;
  insert or ignore into term_index_queue (sentence_id) values (new.id);
end;
create trigger term_index_sentence_delete after delete on sentences begin
  delete from term_index where rowid = old.id;
  delete from term_index_queue where sentence_id = old.id;
end;
create trigger link_members_insert after insert on links begin
  insert into link_members (link_id, sentence_id, side)
    select new.id, value, 'source' from json_each(new.source_ids)
    union all select new.id, value, 'target' from json_each(new.target_ids);
end;
create trigger link_members_update after update of source_ids, target_ids on links begin
  delete from link_members where link_id = old.id;
  insert into link_members (link_id, sentence_id, side)
    select new.id, value, 'source' from json_each(new.source_ids)
    union all select new.id, value, 'target' from json_each(new.target_ids);
end;
create trigger link_members_delete after delete on links begin
  delete from link_members where link_id = old.id;
end;
"""


def create_index_tables(db: sqlite_utils.Database) -> None:
    """Migration: the index, its queue, link membership, the glossary; index what exists."""
    columns = ", ".join(INDEX_COLUMNS)
    db.execute(
        f"create virtual table term_index using fts5({columns}, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.execute("create virtual table term_vocab using fts5vocab(term_index, 'col')")
    db["term_index_queue"].create({"sentence_id": int}, pk="sentence_id")
    db["link_members"].create({"link_id": int, "sentence_id": int, "side": str})
    db["link_members"].create_index(["sentence_id"])
    db["link_members"].create_index(["link_id"])
    db["glossary"].create(
        {
            "id": int, "source_term": str, "target_term": str, "source_lang": str,
            "target_lang": str, "note": str, "created": str, "updated": str,
        },
        pk="id", not_null={"source_term", "target_term", "source_lang", "target_lang"},
        defaults={"note": ""},
    )
    # One statement at a time: executescript would commit the migration's transaction.
    for statement in _TRIGGERS.split("end;")[:-1]:
        db.execute(statement + "end;")
    db.execute(
        """insert into link_members (link_id, sentence_id, side)
           select l.id, j.value, 'source' from links l, json_each(l.source_ids) j
           union all select l.id, j.value, 'target' from links l, json_each(l.target_ids) j"""
    )
    db.execute("insert into term_index_queue (sentence_id) select id from sentences")
    sync(db, commit=False)


# --- keeping the index current ------------------------------------------------------


def pending(db: sqlite_utils.Database) -> int:
    """How many sentences wait to be indexed."""
    return db.execute("select count(*) from term_index_queue").fetchone()[0]


def sync(
    db: sqlite_utils.Database,
    *,
    progress: Callable[[int], None] | None = None,
    commit: bool = True,
    batch: int = 2000,
) -> int:
    """Stem and index the queued sentences; return how many were indexed."""
    done = 0
    while True:
        rows = db.execute(
            """select q.sentence_id, s.text,
                 case s.side when 'source' then d.source_lang else d.target_lang end
               from term_index_queue q
               left join sentences s on s.id = q.sentence_id
               left join documents d on d.id = s.document_id
               limit ?""",
            [batch],
        ).fetchall()
        if not rows:
            return done
        index_rows = []
        for sentence_id, text, lang in rows:
            if text is None:
                continue
            values = dict.fromkeys(INDEX_COLUMNS)
            values[column_for(lang)] = index_keys(text, lang)
            index_rows.append((sentence_id, *values.values()))
        ids = [row[0] for row in rows]
        if commit:
            with db.atomic():
                _write_index(db, ids, index_rows)
        else:
            _write_index(db, ids, index_rows)
        done += len(rows)
        if progress:
            progress(len(rows))


def _write_index(db: sqlite_utils.Database, ids: list[int], index_rows: list[tuple]) -> None:
    """Replace the index rows of `ids` with `index_rows` and take them off the queue."""
    marks = ",".join("?" * len(ids))
    db.execute(f"delete from term_index where rowid in ({marks})", ids)
    if index_rows:
        db.conn.executemany(
            f"insert into term_index (rowid, {', '.join(INDEX_COLUMNS)}) values "
            f"(?, {', '.join('?' * len(INDEX_COLUMNS))})",
            index_rows,
        )
    db.execute(f"delete from term_index_queue where sentence_id in ({marks})", ids)


# --- lookup queries -----------------------------------------------------------------


def document_languages(db: sqlite_utils.Database) -> list[str]:
    """The languages of the stored documents, source languages first."""
    seen: dict[str, None] = {}
    rows = db.execute("select source_lang, target_lang from documents order by id").fetchall()
    for source, _ in rows:
        seen.setdefault(source)
    for _, target in rows:
        seen.setdefault(target)
    return list(seen) or ["fr", "en"]


def count_matches(db: sqlite_utils.Database, expression: str) -> int:
    """How many sentences match an FTS5 `expression`."""
    return db.execute(
        "select count(*) from term_index where term_index match ?", [expression],
    ).fetchone()[0]


def matched_links(
    db: sqlite_utils.Database, expression: str, *, sample: int,
    without_statuses: Sequence[str] = (), only_statuses: Sequence[str] = (),
    document: str | None = None,
) -> tuple[int, list[tuple]]:
    """How many pairs hold a sentence matching `expression`, and the sentences of (a sample
    of) `sample` of them, spread evenly over the corpus (a fixed hash of the link id).

    Each row: link id, document name, link position, status, the side that matched, the
    row's side, source and target languages, sentence text, index keys.
    """
    clauses, parameters = [], []
    if without_statuses:
        clauses.append(f"l.status not in ({','.join('?' * len(without_statuses))})")
        parameters.extend(without_statuses)
    if only_statuses:
        clauses.append(f"l.status in ({','.join('?' * len(only_statuses))})")
        parameters.extend(only_statuses)
    if document:
        clauses.append("d.name = ?")
        parameters.append(document)
    where = (" and " + " and ".join(clauses)) if clauses else ""
    rows = db.execute(
        f"""
        with matched as (
          select distinct lm.link_id, lm.side from term_index t
          join link_members lm on lm.sentence_id = t.rowid
          where term_index match ?
        ),
        chosen as (
          select m.link_id, m.side, d.name, l.position, l.status, d.source_lang, d.target_lang
          from matched m
          join links l on l.id = m.link_id
          join documents d on d.id = l.document_id
          where 1 {where}
        ),
        page as (select *, count(*) over () as total from chosen
                 order by (link_id * 2654435761) % 4294967296 limit {int(sample)})
        select p.link_id, p.name, p.position, p.status, p.side, lm.side,
               p.source_lang, p.target_lang, s.text,
               coalesce({', '.join('t.' + c for c in INDEX_COLUMNS)}), p.total
        from page p
        join link_members lm on lm.link_id = p.link_id
        join sentences s on s.id = lm.sentence_id
        join term_index t on t.rowid = s.id
        order by p.name, p.position, lm.side, s.position
        """,
        [expression, *parameters],
    ).fetchall()
    return (rows[0][-1] if rows else 0), [row[:-1] for row in rows]


def counterpart_keys(db: sqlite_utils.Database, expression: str,
                     sample: int) -> list[tuple[int, str | None]]:
    """(link id, index keys) of the other side's sentences, for the first `sample` pairs
    holding a sentence that matches `expression`."""
    return db.execute(
        f"""
        with matched as (
          select lm.link_id, lm.side from term_index t
          join link_members lm on lm.sentence_id = t.rowid
          where term_index match ? limit {int(sample)}
        )
        select m.link_id, coalesce({', '.join('t.' + c for c in INDEX_COLUMNS)})
        from matched m
        join link_members lm on lm.link_id = m.link_id and lm.side != m.side
        join term_index t on t.rowid = lm.sentence_id
        """,
        [expression],
    ).fetchall()


def document_frequency(db: sqlite_utils.Database, keys: Sequence[str],
                       column: str) -> dict[str, int]:
    """How many sentences of a language hold each key (from the FTS vocabulary)."""
    found: dict[str, int] = {}
    keys = list(keys)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            db.execute(
                f"select term, doc from term_vocab where col = ? and term in ({marks})",
                [column, *chunk],
            ).fetchall()
        )
    return found
