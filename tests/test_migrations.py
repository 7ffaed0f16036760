"""Migrations: applied once, at start-up, with sqlite-utils' runner; databases of the first,
hand-written runner (its `migrations` table) are recognised and not migrated again."""

import copy
import sqlite3
from pathlib import Path

from workbench import store, termindex
from workbench.cli import cli
from workbench.store import migrations

LEGACY_SCRIPT = Path(__file__).parent / "data" / "legacy_runner.sql"
"""`sqlite3 .dump` of a database the first runner made (all ten of its migrations, one
document of one pair): built with that runner before it was replaced."""
LEGACY_NAMES = [
    "0001_core_tables", "0002_ingest_sentence_metadata", "0003_terms_index_and_glossary",
    "0004_review_history", "0005_document_file_fingerprint", "0006_user_accounts",
    "0007_glossary_accepted_occurrences", "0008_review_finished_documents",
    "0009_import_jobs", "0010_import_job_user",
]


def legacy_database(path: Path, drop: tuple[str, ...] = ()) -> Path:
    """A database of the first runner; `drop` leaves some of its last migrations unapplied."""
    connection = sqlite3.connect(path)
    connection.executescript(LEGACY_SCRIPT.read_text(encoding="utf-8"))
    connection.close()  # the dump writes the full-text tables into the schema: reopen
    connection = sqlite3.connect(path)
    if "0010_import_job_user" in drop:
        connection.execute("alter table import_jobs drop column started_by")
    if "0009_import_jobs" in drop:
        connection.execute("drop table import_jobs")
    connection.executemany("delete from migrations where name = ?", [(n,) for n in drop])
    connection.commit()
    connection.close()
    return path


def applied(db) -> list[str]:
    return [m.name for m in migrations.MIGRATIONS.applied(db)]


def test_the_first_migrations_keep_their_names():
    assert [m.name for m in migrations.MIGRATIONS._migrations][:10] == LEGACY_NAMES


def test_a_new_database_gets_every_migration_once(db_path):
    db = store.open_db(db_path)
    assert applied(db) == [m.name for m in migrations.MIGRATIONS._migrations]
    assert store.migrate(db) == []
    assert "migrations" not in db.table_names()


def test_a_database_of_the_first_runner_is_recognised(tmp_path):
    db = store.open_db(legacy_database(tmp_path / "old.db"))
    assert applied(db)[:10] == LEGACY_NAMES  # recorded, not run again (0010 would fail)
    assert "migrations" not in db.table_names()
    times = {row["name"]: row["applied_at"] for row in db["_sqlite_migrations"].rows}
    assert times["0001_core_tables"] == "2026-11-30T14:07:06Z"  # when the first runner ran it
    assert [d["name"] for d in store.list_documents(db)] == ["ancien"]
    assert [h.translation.text for h in termindex.lookup(db, "accords").hits] == ["agreement"]


def test_the_bridge_applies_what_the_first_runner_had_not(tmp_path):
    path = legacy_database(tmp_path / "old.db", drop=("0009_import_jobs", "0010_import_job_user"))
    db = store.open_db(path, upgrade=False)
    later = ["0009_import_jobs", "0010_import_job_user", "0011_history_joins"]
    assert migrations.pending(db) == later
    assert migrations.migrate(db) == later
    assert "started_by" in db["import_jobs"].columns_dict
    assert applied(db)[:10] == LEGACY_NAMES


def test_requests_do_not_migrate(app, monkeypatch):
    runs = []
    monkeypatch.setattr(store, "migrate", lambda db: runs.append(db) or [])
    client = app.test_client()
    for _ in range(3):
        assert client.get("/documents.json").status_code == 200
    assert runs == []


def test_the_app_migrates_when_it_is_made(tmp_path):
    from workbench.web import create_app

    path = legacy_database(tmp_path / "old.db", drop=("0010_import_job_user",))
    create_app({"TESTING": True, "DATABASE": str(path)})
    db = store.open_db(path, upgrade=False)
    assert migrations.pending(db) == [] and "started_by" in db["import_jobs"].columns_dict


def test_the_migrate_command_says_what_it_applied(runner, db_path):
    legacy_database(db_path, drop=("0010_import_job_user",))
    result = runner.invoke(cli, ["migrate", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "To apply" in result.output and "0010_import_job_user" in result.output
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "Applied" in result.output and "0010_import_job_user" in result.output
    result = runner.invoke(cli, ["migrate"])
    assert "up to date" in result.output and "0010" not in result.output


def test_adding_a_migration_is_one_function(runner, tmp_path, monkeypatch):
    """A decorated function at the end of store/migrations.py, and the next start applies it."""
    path = tmp_path / "before.db"
    store.open_db(path).close()
    monkeypatch.setattr(migrations, "MIGRATIONS", copy.deepcopy(migrations.MIGRATIONS))

    @migrations.migration("0099_history_note")
    def _add_history_note(db) -> None:
        db["history"].add_column("note", str)

    result = runner.invoke(cli, ["migrate", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "Applied" in result.output and "0099_history_note" in result.output
    assert "note" in store.open_db(path, upgrade=False)["history"].columns_dict
