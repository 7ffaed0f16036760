"""One database connection per request, kept on `g`; the app's other threads (import jobs)
open theirs the same way, so that every writer of the app queues in one line.

The schema is brought up to date once, when the app is made: a request only connects."""

from __future__ import annotations

import threading

import sqlite_utils
from flask import Flask, current_app, g

from workbench import store
from workbench.web.services import services


def open_app_db(app: Flask) -> sqlite_utils.Database:
    """A new connection to the app's database that waits for the app's write lock and its
    busy timeout (the caller closes it)."""
    return store.open_db(services(app).database, app.config.get("DATABASE_BUSY_TIMEOUT"),
                         app.extensions["workbench_write_lock"], upgrade=False)


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = open_app_db(current_app._get_current_object())
    return g.db


def close_db(exception: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    # The server's threads queue for this lock before they ask SQLite for the write lock.
    app.extensions["workbench_write_lock"] = threading.Lock()
    app.teardown_appcontext(close_db)
    migrate_once(app)


def migrate_once(app: Flask) -> None:
    """Apply the migrations the database lacks, once, when the app is made."""
    store.open_db(services(app).database, app.config.get("DATABASE_BUSY_TIMEOUT"),
                  app.extensions["workbench_write_lock"]).close()
