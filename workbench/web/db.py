"""One database connection per request, kept on `g`."""

from __future__ import annotations

import sqlite_utils
from flask import Flask, current_app, g

from workbench import store


def get_db() -> sqlite_utils.Database:
    if "db" not in g:
        g.db = store.open_db(current_app.config["DATABASE"],
                             current_app.config.get("DATABASE_BUSY_TIMEOUT"))
    return g.db


def close_db(exception: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
