"""One view, two answers: a page for the browser and its JSON twin for scripts.

A view decorated with `twin` runs once per request and returns an `Answer`; the helper
registers it twice, at `rule` (the page: `endpoint`) and at `rule.json` (the twin:
`endpoint_json`), so that the page and its JSON cannot drift apart, and the endpoint
names the roles (`auth.ENDPOINT_ROLES`) and the schemas (`schemas.BODIES`) name stay.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

Lazy = Mapping[str, Any] | Callable[[], Mapping[str, Any]]
"""A dict, or what makes it: only the answer asked for is computed."""


@dataclass
class Answer:
    """What a view found: the JSON twin's body, and the page's template and context.

    `page` replaces the template with a ready response (a redirect after a form);
    `json_status` answers the twin differently from the page (a lookup page without a
    query is an empty form, its JSON twin a 400).
    """

    data: Lazy
    template: str | None = None
    context: Lazy = field(default_factory=dict)
    status: int = 200
    json_status: int | None = None
    page: Response | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def _made(value: Lazy) -> Mapping[str, Any]:
    return value() if callable(value) else value


def twin(bp: Blueprint, rule: str, *, endpoint: str, json_rule: str | None = None,
         json_endpoint: str | None = None, methods: Collection[str] = ("GET",),
         json_bodies: bool = False) -> Callable[[Callable[..., Answer]],
                                                 Callable[..., Answer]]:
    """Register the decorated view as the page `endpoint` at `rule` and as its JSON twin
    (`json_endpoint`, default `endpoint_json`, at `json_rule`, default `rule` + `.json`).

    With `json_bodies`, the page's URL answers a JSON body as the twin does."""

    def register(view: Callable[..., Answer]) -> Callable[..., Answer]:
        @functools.wraps(view)
        def page(**values: Any):
            if json_bodies and request.is_json:
                return as_json(**values)
            answer = view(**values)
            if answer.page is not None:
                return answer.page
            return render_template(answer.template, **_made(answer.context)), \
                answer.status, dict(answer.headers)

        @functools.wraps(view)
        def as_json(**values: Any):
            answer = view(**values)
            status = answer.status if answer.json_status is None else answer.json_status
            return jsonify(_made(answer.data)), status, dict(answer.headers)

        bp.add_url_rule(rule, endpoint, page, methods=list(methods))
        bp.add_url_rule(json_rule or f"{rule}.json", json_endpoint or f"{endpoint}_json",
                        as_json, methods=list(methods))
        return view

    return register
