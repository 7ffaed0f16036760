"""URL converters: an id in a URL that SQLite cannot hold is simply no route (404)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from workbench.web.schemas import MAX_INTEGER


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` without an OverflowError: at most MAX_INTEGER, never negative."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Must run before the blueprints are registered: rules bind their converters then."""
    app.url_map.converters["int"] = BoundedIntegerConverter
