"""`/openapi.json`: an OpenAPI 3.1 description of the JSON API, built from the app's own
routes and the schemas the request guard enforces (`workbench.web.schemas`), so it lists
exactly what the server accepts."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.routing import Rule

from workbench.web import schemas

bp = Blueprint("openapi", __name__)

OPENAPI_VERSION = "3.1.0"
CONVERTER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
ERROR_SCHEMA = {
    "type": "object",
    "description": "A refusal: nothing was changed.",
    "properties": {
        "error": {"type": "string", "description": "a short code, or the message"},
        "message": {"type": "string", "description": "what is wrong, for a person"},
        "status": {"type": "integer"},
    },
}
DESCRIPTION = """The workbench's JSON API. Every write is a POST with
`Content-Type: application/json` and a JSON object body (the schemas below: unknown
fields and loose types are refused with 400). A script sends no `Origin` header and
needs no token; a page of this workbench sends its session's token in `X-CSRF-Token`.
File uploads (`/import.json`, `/compilations/{name}.json`) are multipart forms that
carry the session's token (`GET /csrf-token.json`). Errors answer
`{"error", "message", "status"}`."""


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_spec(current_app))


def openapi_spec(app: Flask) -> dict[str, Any]:
    """The description of every JSON route of `app`."""
    paths: dict[str, dict] = {}
    rules = list(app.url_map.iter_rules())
    json_twins = {r.endpoint for r in rules if r.rule.endswith(".json")} | {
        r.endpoint.removesuffix("_json") for r in rules if r.endpoint.endswith("_json")}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not _in_api(rule, json_twins):
            continue
        path, path_parameters = _path(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                app, rule, method, path_parameters)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Alignment workbench JSON API", "version": "1",
                 "description": DESCRIPTION},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR_SCHEMA}},
    }


def _in_api(rule: Rule, json_twins: set[str]) -> bool:
    if rule.endpoint in ("static", "openapi.openapi_json"):
        return False
    if rule.rule.endswith(".json") or rule.endpoint.startswith("review."):
        return True
    # a form route that also takes JSON and has no .json twin (glossary edit and delete)
    return rule.endpoint in schemas.BODIES and rule.endpoint not in json_twins


def _path(rule: Rule) -> tuple[str, list[dict]]:
    parameters = []

    def replace(match: re.Match) -> str:
        name, converter = match["name"], match["converter"] or "default"
        schema: dict[str, Any] = {"type": "string", "pattern": "^[^/]+$"}
        if converter == "int":
            schema = {"type": "integer", "minimum": 0, "maximum": schemas.MAX_INTEGER}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return CONVERTER.sub(replace, rule.rule), parameters


def _operation(app: Flask, rule: Rule, method: str, path_parameters: list[dict]) -> dict:
    view = app.view_functions[rule.endpoint]
    summary = (view.__doc__ or rule.endpoint).strip().split("\n")[0]
    operation: dict[str, Any] = {
        "operationId": f"{rule.endpoint}.{method.lower()}",
        "summary": summary,
        "parameters": [*path_parameters, *_query_parameters(rule.endpoint)],
        "responses": {
            "200": {"description": "done", "content": {"application/json": {
                "schema": {"type": "object"}}}},
            "4XX": {"description": "refused; nothing changed", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }
    if method == "POST":
        operation["requestBody"] = _request_body(rule.endpoint)
    return operation


def _query_parameters(endpoint: str) -> list[dict]:
    model = schemas.QUERIES.get(endpoint)
    if model is None:
        return []
    properties = model.model_json_schema()["properties"]
    return [{"name": name, "in": "query", "required": False, "schema": _not_null(schema)}
            for name, schema in properties.items()]


def _not_null(schema: dict) -> dict:
    """A query parameter is present or absent, never null."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**options[0], **rest}
    return schema


def _request_body(endpoint: str) -> dict:
    if endpoint in schemas.UPLOADS:
        return {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "description": "the upload form's fields and files, and the session's CSRF token",
            "properties": {"csrf_token": {"type": "string"}},
            "required": ["csrf_token"],
        }}}}
    model = schemas.BODIES.get(endpoint)
    schema = model.model_json_schema() if model else {"type": "object"}
    return {"required": True, "content": {"application/json": {"schema": schema}}}
