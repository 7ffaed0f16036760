"""The review interface: a Flask application factory with one blueprint per area."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from workbench import store

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` overrides settings (tests pass their own DATABASE)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(
        DATABASE=str(store.default_db_path()),
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.from_mapping(test_config)

    from workbench.web import db, documents, exports, imports, review, terms

    db.init_app(app)
    app.register_blueprint(documents.bp)
    app.register_blueprint(exports.bp)
    imports.init_app(app)
    app.register_blueprint(terms.bp)
    review.init_app(app)
    return app
