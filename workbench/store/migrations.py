"""The database's schema, as named migrations applied once each (`sqlite_utils.Migrations`).

To change the schema, add one function at the end of this module, decorated with the next
number and a name that says what it does; it runs once on every database, in the order of
this file, when a program next starts (the web app, each command) or by `workbench
migrate`:

    @migration("0011_history_joins")
    def _add_history_joins(db: sqlite_utils.Database) -> None:
        db["history"].add_column("joins", str)

sqlite-utils records what it applied in `_sqlite_migrations`. Databases made before kept
that record in a `migrations` table of their own (written by the workbench's first,
hand-written runner); `bridge_legacy_record` moves it over, so that nothing runs twice.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from sqlite_utils import Migrations

from workbench.status import Status

MIGRATION_SET = "workbench"
LEGACY_TABLE = "migrations"
"""Where the first runner recorded its migrations: (name primary key, applied)."""

MIGRATIONS = Migrations(MIGRATION_SET)

Step = Callable[[sqlite_utils.Database], None]


def migration(name: str) -> Callable[[Step], Step]:
    """Register `step` as the migration `name` (applied after those above it)."""
    return MIGRATIONS(name=name)


@migration("0001_core_tables")
def _create_core_tables(db: sqlite_utils.Database) -> None:
    db["documents"].create(
        {
            "id": int, "name": str, "source_lang": str, "target_lang": str,
            "source_path": str, "target_path": str, "version": int,
            "created": str, "updated": str,
        },
        pk="id", not_null={"name", "source_lang", "target_lang"}, defaults={"version": 0},
    )
    db["documents"].create_index(["name"], unique=True)
    db["sentences"].create(
        {
            "id": int, "document_id": int, "side": str, "position": int,
            "paragraph": int, "text": str,
        },
        pk="id", foreign_keys=[("document_id", "documents", "id")],
        not_null={"document_id", "side", "position", "text"},
    )
    db["sentences"].create_index(["document_id", "side", "position"])
    db["links"].create(
        {
            "id": int, "document_id": int, "position": int, "source_ids": str,
            "target_ids": str, "score": float, "status": str, "created": str,
            "updated": str, "updated_by": str,
        },
        pk="id", foreign_keys=[("document_id", "documents", "id")],
        not_null={"document_id", "position", "source_ids", "target_ids", "status"},
        defaults={"status": Status.AUTO},
    )
    db["links"].create_index(["document_id", "position"])
    db["embeddings"].create(
        {"model": str, "key": str, "dimension": int, "vector": bytes},
        pk=("model", "key"),
    )


@migration("0002_ingest_sentence_metadata")
def _add_sentence_metadata(db: sqlite_utils.Database) -> None:
    """Sentence kind (text, heading, item, note), footnote markers (a JSON list), and the
    compilation a document was split from (its name; null for ordinary documents)."""
    db["sentences"].add_column("kind", str, not_null_default="text")
    db["sentences"].add_column("notes", str)
    db["documents"].add_column("compilation", str)


@migration("0003_terms_index_and_glossary")
def _create_terms_index(db: sqlite_utils.Database) -> None:
    from workbench.store.terms import create_index_tables

    create_index_tables(db)


@migration("0004_review_history")
def _create_review_history(db: sqlite_utils.Database) -> None:
    """One row per review edit, with the before/after rows that undo and redo need."""
    if "history" in db.table_names():  # a database made before this migration was renamed
        return
    db["history"].create(
        {
            "id": int, "document_id": int, "seq": int, "op": str, "summary": str,
            "user": str, "time": str, "state": str, "undone_by": str, "undone_at": str,
            "focus_link": int, "before": str, "after": str,
        },
        pk="id", foreign_keys=[("document_id", "documents", "id")],
        not_null={"document_id", "seq", "op", "state", "before", "after"},
        defaults={"state": "done"},
    )
    db["history"].create_index(["document_id", "seq"], unique=True)


@migration("0005_document_file_fingerprint")
def _add_file_fingerprint(db: sqlite_utils.Database) -> None:
    db["documents"].add_column("file_fingerprint", str)


@migration("0006_user_accounts")
def _create_user_accounts(db: sqlite_utils.Database) -> None:
    """Team-server accounts (`workbench user`): a password hash, never the password; failed
    logins and a lock time against guessing; `session_epoch` grows to end every session."""
    db.execute(
        """
        create table users (
          id integer primary key,
          name text not null unique collate nocase,
          role text not null,
          password_hash text not null,
          session_epoch integer not null default 0,
          failed_logins integer not null default 0,
          locked_until text,
          last_login text,
          created text not null,
          updated text not null
        )
        """
    )


@migration("0007_glossary_accepted_occurrences")
def _create_glossary_accepted(db: sqlite_utils.Database) -> None:
    from workbench.store.glossary import create_accepted_table

    create_accepted_table(db)


@migration("0008_review_finished_documents")
def _add_document_finished(db: sqlite_utils.Database) -> None:
    """When a document was marked finished (locked against edits) and by whom; null while
    it is open."""
    db["documents"].add_column("finished", str)
    db["documents"].add_column("finished_by", str)


@migration("0009_import_jobs")
def _create_import_jobs(db: sqlite_utils.Database) -> None:
    """Imports run in the background from the browser; each is recorded here (by
    `workbench.import_jobs`) so that a restart reports unfinished ones as interrupted."""
    from workbench.import_jobs import create_table

    create_table(db)


@migration("0010_import_job_user")
def _add_import_job_user(db: sqlite_utils.Database) -> None:
    """Who started each import (the account, or the page's name with login off): `owner`
    only says which server process ran it."""
    db["import_jobs"].add_column("started_by", str)


@migration("0011_history_joins")
def _add_history_joins(db: sqlite_utils.Database) -> None:
    """`joins`: the seq of the history entry this one completes (a re-alignment after a
    correction), so that undo, redo and the history treat both as one step; null otherwise."""
    db["history"].add_column("joins", int)


# --- running them ---------------------------------------------------------------------


def bridge_legacy_record(db: sqlite_utils.Database) -> list[str]:
    """Move the first runner's record (`migrations`: name, applied) into sqlite-utils' own,
    so that the migrations it applied are not applied again; return their names."""
    if not _has_legacy_record(db):
        return []
    rows = db.execute(f"select name, applied from [{LEGACY_TABLE}] order by rowid").fetchall()
    MIGRATIONS.ensure_migrations_table(db)
    known = {m.name for m in MIGRATIONS.applied(db)}
    db[Migrations.migrations_table].insert_all(
        [{"migration_set": MIGRATION_SET, "name": name, "applied_at": applied}
         for name, applied in rows if name not in known])
    db[LEGACY_TABLE].drop()
    return [name for name, _ in rows]


def _has_legacy_record(db: sqlite_utils.Database) -> bool:
    table = db[LEGACY_TABLE]
    return table.exists() and set(table.columns_dict) == {"name", "applied"}


def pending(db: sqlite_utils.Database) -> list[str]:
    """The migrations this database has not had yet, in the order they would run (a
    database of the first runner counts what that runner applied). Reads only."""
    if _has_legacy_record(db):
        done = {row[0] for row in db.execute(f"select name from [{LEGACY_TABLE}]")}
        return [m.name for m in MIGRATIONS.pending(db) if m.name not in done]
    return [m.name for m in MIGRATIONS.pending(db)]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Bring the database's schema up to date; return the names of the migrations applied.

    Reads only when nothing is pending. Otherwise it all happens in one write transaction,
    so two programs starting at once cannot both apply the same migration.
    """
    if not pending(db) and not _has_legacy_record(db):
        return []
    with db.atomic():
        bridge_legacy_record(db)
        names = pending(db)
        MIGRATIONS.apply(db)
    return names
