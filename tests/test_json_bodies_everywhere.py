"""Every POST route of the app, sent a JSON body with wrong types, answers a clear 4xx and
never a 500: a form route either declares the JSON body it takes or refuses JSON."""

from __future__ import annotations

import pytest

from tests.conftest import BagOfWordsEmbedder
from workbench import store, user_store
from workbench.store import glossary as glossary_store
from workbench.web import create_app

PASSWORD = "correct horse battery"

# Every field any body model knows, each with a value of the wrong type, one at a time, and
# bodies that are not what any route takes.
WRONG_BODIES = [
    {"user": 5}, {"user": ["Mallory"]}, {"user": {"name": "x"}},
    {"name": 5, "password": ["x"]}, {"name": "Alice", "password": 5},
    {"version": "1"}, {"version": 1.5}, {"status": 7}, {"first": "1", "last": "2"},
    {"seq": True}, {"direction": 1}, {"side": None}, {"text": ["a"]}, {"base": 1},
    {"offset": "3"}, {"source_term": 5, "target_term": ["x"]}, {"note": 3},
    {"next": 5}, {"csrf_token": 5}, {"french": 5, "english": 5}, {"assignment": [1]},
    {"bogus": 1}, [], [1, 2], "text", 5, None,
]


def url_for_rule(rule, values: dict) -> str:
    """The rule's path with every argument filled in from `values`."""
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{rule._converters[argument].__class__.__name__}", "<")
    for argument in rule.arguments:
        for text in (f"<int:{argument}>", f"<{argument}>", f"<name:{argument}>",
                     f"<path:{argument}>", f"<string:{argument}>"):
            path = path.replace(text, str(values[argument]))
    return path


@pytest.fixture
def world(db, db_path, sample_document):
    """A document, a glossary entry with an occurrence to accept, an admin account."""
    entry = glossary_store.add(db, "roi", "monarch")
    link = store.pairs(db, sample_document)[0]["id"]
    user_store.add(db, "Alice", PASSWORD, "admin")
    return {"name": "sample", "entry_id": entry["id"], "link_id": link,
            "sentence_id": store.sentences(db, sample_document, store.SOURCE)[0]["id"]}


@pytest.mark.parametrize("login", [False, True], ids=["login-off", "login-on"])
def test_every_post_route_answers_wrong_json_with_a_4xx(db_path, world, login):
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "REQUIRE_LOGIN": login,
                      "EMBEDDER": BagOfWordsEmbedder(), "TERMS_EMBEDDER": False,
                      "IMPORT_JOBS_INLINE": True})
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(rules) > 20
    failures = []
    client = app.test_client()
    for rule in rules:
        values = {argument: world.get(argument, "sample") for argument in rule.arguments}
        path = url_for_rule(rule, values)
        if login:  # again: the previous rule may have been the logout
            assert client.post("/login.json", json={
                "name": "Alice", "password": PASSWORD}).status_code == 200
        for body in WRONG_BODIES:
            try:
                answer = client.post(path, json=body)
            except Exception as error:  # TESTING propagates what would be a 500
                failures.append(f"{rule.endpoint} {path} {body!r}: {error!r}")
                continue
            if not 400 <= answer.status_code < 500:
                failures.append(f"{rule.endpoint} {path} {body!r}: {answer.status_code} "
                                f"{answer.get_data(as_text=True)[-120:]!r}")
    assert not failures, "\n".join(failures)
