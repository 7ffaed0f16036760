"""One database connection per request, kept on `g`."""

from __future__ import annotations

import threading

import sqlite_utils
from flask import Flask, current_app, g

from workbench import store


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = store.open_db(current_app.config["DATABASE"],
                             current_app.config.get("DATABASE_BUSY_TIMEOUT"),
                             current_app.extensions["workbench_write_lock"])
    return g.db


def close_db(exception: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    # The server's threads queue for this lock before they ask SQLite for the write lock.
    app.extensions["workbench_write_lock"] = threading.Lock()
    app.teardown_appcontext(close_db)
