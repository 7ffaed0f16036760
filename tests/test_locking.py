"""Every writer waits its turn for the write lock, and a lock held too long is a clear 503.

Issue 12, item 3: `atomic()` opened a plain BEGIN and read before writing, so SQLite
answered "database is locked" at once and the busy timeout never applied.
"""

from __future__ import annotations

import io
import sqlite3
import threading
import time

import pytest

from tests.conftest import csrf_token, one_to_one_document
from tests.test_import import ENGLISH, FRENCH
from workbench import store
from workbench.cli import cli
from workbench.store import glossary as glossary_store
from workbench.web import create_app


def hold_write_lock(db_path, seconds: float) -> threading.Thread:
    """Another connection takes the write lock now and keeps it `seconds` (in the returned
    thread), or until its `release` event is set, whichever comes first."""
    held, release = threading.Event(), threading.Event()

    def hold():
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("update documents set updated = updated")
        held.set()
        release.wait(seconds)
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.release = release
    holder.start()
    assert held.wait(5)
    return holder


@pytest.fixture
def document(db):
    return one_to_one_document(db, "doc", ["Le roi est mort.", "Vive le roi."],
                               ["The king is dead.", "Long live the king."])


@pytest.fixture
def web(db_path, document, fake_embedder):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    return app.test_client()


JSON = {"Host": "127.0.0.1"}


def add_term(client):
    return client.post("/glossary.json", json={"source_term": "roi", "target_term": "king"},
                       headers=JSON)


def import_pair(client):
    return client.post("/import.json?wait=1", data={
        "mode": "pair", "name": "port", "csrf_token": csrf_token(client),
        "french": (io.BytesIO(FRENCH.encode()), "port.txt"),
        "english": (io.BytesIO(ENGLISH.encode()), "port-en.txt"),
    }, content_type="multipart/form-data")  # Host localhost: the session's cookie goes there


def confirm_row(client, db):
    link_id = store.links(db, store.get_document(db, "doc")["id"])[0]["id"]
    return client.post(f"/documents/doc/links/{link_id}/status", json={"status": "confirmed"},
                       headers=JSON)


def test_a_glossary_add_waits_for_the_lock_instead_of_failing(db, db_path):
    hold_write_lock(db_path, 1.0)
    started = time.monotonic()
    entry = glossary_store.add(db, "roi", "king")
    assert time.monotonic() - started > 0.5
    assert entry["target_term"] == "king"


@pytest.mark.parametrize("write", ["glossary", "import", "review"])
def test_web_writers_wait_for_a_lock_held_one_second(web, db, db_path, write):
    hold_write_lock(db_path, 1.0)
    started = time.monotonic()
    if write == "glossary":
        response = add_term(web)
    elif write == "import":
        response = import_pair(web)
    else:
        response = confirm_row(web, db)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    assert time.monotonic() - started > 0.5


@pytest.mark.parametrize("write", ["glossary", "import", "review"])
def test_a_lock_held_past_the_timeout_is_a_json_503_with_retry_after(
    db_path, document, db, fake_embedder, write
):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder,
                      "DATABASE_BUSY_TIMEOUT": 0.3})
    client = app.test_client()
    holder = hold_write_lock(db_path, 3.0)
    if write == "glossary":
        response = add_term(client)
    elif write == "import":
        response = import_pair(client)
    else:
        response = confirm_row(client, db)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert response.get_json()["error"] == "busy"
    assert "busy" in response.get_json()["message"]
    holder.release.set()
    holder.join()
    assert glossary_store.entries(db) == []  # nothing was written
    assert store.get_document(db, "port") is None


def test_the_cli_says_the_database_is_busy_without_a_traceback(db_path, document, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setenv("WORKBENCH_DB", str(db_path))
    monkeypatch.setenv("WORKBENCH_BUSY_TIMEOUT", "0.3")
    holder = hold_write_lock(db_path, 3.0)
    result = CliRunner().invoke(cli, ["glossary", "add", "roi", "king"])
    holder.release.set()
    holder.join()
    assert result.exit_code != 0
    assert "busy" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_nested_write_blocks_are_savepoints_inside_one_immediate_transaction(db):
    db.execute("create table scratch (name text)")
    with db.atomic():
        db.execute("insert into scratch (name) values ('x')")
        with pytest.raises(RuntimeError), db.atomic():
            db.execute("insert into scratch (name) values ('y')")
            raise RuntimeError("inner block fails")
    names = {row["name"] for row in db["scratch"].rows}
    assert "x" in names and "y" not in names


def test_a_command_waits_longer_than_a_web_request(db_path, document, monkeypatch):
    """`workbench align` under editing load lost the lock race after the web's 5 s (bench/
    load.py, 1 of 39 runs): a command in a terminal or a batch job waits a minute."""
    from click.testing import CliRunner

    from workbench import cli as cli_module

    monkeypatch.setenv("WORKBENCH_DB", str(db_path))
    monkeypatch.delenv("WORKBENCH_BUSY_TIMEOUT", raising=False)
    opened = []
    real_open = store.open_db
    monkeypatch.setattr(store, "open_db", lambda *a, **k: opened.append(real_open(*a, **k))
                        or opened[-1])
    result = CliRunner().invoke(cli, ["glossary", "add", "roi", "king"])
    assert result.exit_code == 0, result.output
    assert opened and opened[0].busy_timeout == cli_module.COMMAND_BUSY_TIMEOUT >= 60
    monkeypatch.setenv("WORKBENCH_BUSY_TIMEOUT", "2")
    opened.clear()
    CliRunner().invoke(cli, ["glossary", "list"])
    assert opened[0].busy_timeout == 2.0
