"""The review interface: a Flask application factory with one blueprint per area."""

from __future__ import annotations

from importlib import resources
from typing import Any

from flask import Flask, jsonify, render_template_string, request

from workbench import store
from workbench.web import errors


def package_folder(package: str) -> str:
    """The folder of a data package (`workbench.templates`, `workbench.static`).

    The repository keeps templates/ and static/ at its top; the build maps them to these
    packages, so they are found the same way in a checkout's editable install and in a wheel.
    """
    return str(resources.files(package))


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` overrides settings (tests pass their own DATABASE)."""
    app = Flask(
        __name__,
        template_folder=package_folder("workbench.templates"),
        static_folder=package_folder("workbench.static"),
    )
    app.config.from_mapping(
        DATABASE=str(store.default_db_path()),
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.from_mapping(test_config)

    from workbench.web import (
        auth,
        db,
        documents,
        exports,
        imports,
        openapi,
        review,
        routing,
        security,
        services,
        terms,
    )

    services.init_app(app)
    routing.init_app(app)  # before the blueprints: their rules bind converters
    errors.init_app(app)
    db.init_app(app)
    auth.init_app(app)
    app.register_blueprint(documents.bp)
    app.register_blueprint(exports.bp)
    imports.init_app(app)
    app.register_blueprint(terms.bp)
    review.init_app(app)
    app.register_error_handler(store.DatabaseBusy, database_busy)
    openapi.init_app(app)
    # Last, so that a SECRET_KEY set by another init_app (a persistent one) is kept; the
    # guard puts itself first among the before-request hooks whatever the order.
    security.init_app(app)
    return app


def database_busy(error: store.DatabaseBusy):
    """A lock held too long by another writer: 503 and when to retry, never a 500."""
    headers = {"Retry-After": str(error.retry_after)}
    status = errors.status_of(error)
    if request.is_json or "text/html" not in request.headers.get("Accept", ""):
        return jsonify({"error": "busy", "message": str(error)}), status, headers
    page = render_template_string(
        "<!doctype html><title>Busy</title><p>{{ message }}</p>", message=str(error))
    return page, status, headers
