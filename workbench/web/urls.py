"""Where the editor shows a document: the one place its URL is built.

Inside the app, `url_for` builds it from the documents blueprint's rule; the command line
(which prints links to the editor) builds it from the same rule, with no app.
"""

from __future__ import annotations

from flask import has_app_context, url_for
from werkzeug.routing import Map, Rule

DOCUMENT_RULE = "/documents/<name>"
DOCUMENT_ENDPOINT = "documents.document"


def document_url(name: str, link_id: int | None = None) -> str:
    """The editor's page of document `name`, scrolled to row `link_id` if given."""
    if has_app_context():
        return url_for(DOCUMENT_ENDPOINT, name=name, link=link_id)
    adapter = Map([Rule(DOCUMENT_RULE, endpoint=DOCUMENT_ENDPOINT)]).bind("localhost")
    return adapter.build(DOCUMENT_ENDPOINT, {"name": name, "link": link_id})


def with_hit_urls(hits: list[dict]) -> list[dict]:
    """Term-index hits (`termindex.hit_json`) with the `url` of the row each one is in."""
    for hit in hits:
        hit["url"] = document_url(hit["document"], hit["link_id"])
    return hits


def lookup_json_with_urls(data: dict) -> dict:
    """A lookup's JSON (`termindex.result_json`) with each hit's URL."""
    with_hit_urls(data["hits"])
    return data


def report_json_with_urls(report: dict) -> dict:
    """A consistency report's entry (`consistency.report_json`) with each hit's URL."""
    with_hit_urls(report["to_check"])
    with_hit_urls(report["accepted"])
    return report
