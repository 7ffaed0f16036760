"""Issue 15 in the JSON API: `realign` on a correction re-aligns its neighbours in the same
undo step; `confirm-above` confirms the rows above a threshold; what is left to review, and
the errors to expect there, after every change and in the document's JSON twin."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.test_realign_around import WORDS, badly_aligned
from tests.test_review import shape, state
from workbench import store
from workbench.web import create_app

USER = {"X-Workbench-User": "ana"}


@pytest.fixture
def client(db_path, fake_embedder):
    store.open_db(db_path).close()
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    return app.test_client()


@pytest.fixture
def bad(db):
    document_id, _, _ = badly_aligned(db, name="bad")
    return document_id


def version(client):
    return client.get("/documents/bad.json").get_json()["document"]["version"]


def post(client, path, **body):
    body.setdefault("version", version(client))
    return client.post(f"/documents/bad{path}", json=body, headers=USER)


def test_a_correction_with_realign_repairs_its_neighbours_in_one_undo_step(client, db, bad):
    before = state(db, bad)
    first_before = before["links"][0]
    row = store.links(db, bad)[1]["id"]
    answer = post(client, f"/links/{row}/split", realign=True)
    assert answer.status_code == 200
    data = answer.get_json()
    assert shape(db, bad)[-3:] == [([t], [t]) for t in WORDS[3:]]
    assert len(data["realigned"]) == 4 and set(data["realigned"]) <= {
        link["id"] for link in store.links(db, bad)}
    assert data["summary"] == "Split row 2 into 2 rows, and re-aligned 4 rows"
    # the rows to patch cover the correction and the re-alignment; the pairs are the new ones
    assert data["links"] == {"start": 1, "stop_before": 5, "stop_after": 7}
    assert [pair["id"] for pair in data["pairs"]] == [
        link["id"] for link in store.links(db, bad)][1:]
    first = store.links(db, bad)[0]  # re-scored only: its new score, outside the span
    assert {"id": first["id"], "score": first["score"]} in data["scores"]
    assert not {row["id"] for row in data["scores"]} & set(data["realigned"])
    assert data["undo"] == 1
    history = client.get("/documents/bad/history.json").get_json()["history"]
    assert [entry["summary"] for entry in history] == [data["summary"]]
    undone = post(client, "/undo").get_json()
    assert state(db, bad) == before
    assert undone["links"] == {"start": 1, "stop_before": 7, "stop_after": 5}
    assert {"id": first["id"], "score": first_before["score"]} in undone["scores"]
    assert (undone["undo"], undone["redo"]) == (0, 1)


def test_without_realign_an_api_client_sees_the_correction_alone(client, db, bad):
    row = store.links(db, bad)[1]["id"]
    data = post(client, f"/links/{row}/split").get_json()
    assert data["realigned"] == [] and data["summary"] == "Split row 2 into 2 rows"
    assert shape(db, bad)[-2:] == [([WORDS[4]], [WORDS[4], WORDS[5]]), ([WORDS[5]], [])]


def test_every_correction_takes_realign_and_nothing_else_does(client, db, bad):
    links = store.links(db, bad)
    source = store.sentences(db, bad, store.SOURCE)
    for path, body in [(f"/links/{links[0]['id']}/merge", {"direction": "down"}),
                       (f"/links/{links[0]['id']}/shift", {"side": "target", "direction": "down"}),
                       (f"/links/{links[0]['id']}/insert-empty", {"side": "source"}),
                       (f"/sentences/{source[0]['id']}/text", {"text": "le chat dort bien"}),
                       (f"/sentences/{source[0]['id']}/split", {"offset": 7}),
                       (f"/sentences/{source[0]['id']}/join", {})]:
        answer = post(client, path, realign=True, **body)
        assert answer.status_code == 200, (path, answer.get_json())
        assert "realigned" in answer.get_json()
    refused = post(client, f"/links/{links[0]['id']}/confirm-through", realign=True)
    assert refused.status_code == 400 and "realign" in refused.get_json()["message"]
    assert post(client, f"/links/{links[0]['id']}/split", realign="yes").status_code == 400


def test_a_realignment_that_cannot_run_leaves_the_correction(client, db, bad, monkeypatch):
    from workbench import review

    def busy_colleague(*args, **kwargs):
        raise review.Conflict(kwargs["version"], kwargs["version"] + 1)

    monkeypatch.setattr(review, "realign_around", busy_colleague)
    row = store.links(db, bad)[1]["id"]
    data = post(client, f"/links/{row}/split", realign=True).get_json()
    assert data["summary"].startswith("Split row 2 into 2 rows (the rows around it were not "
                                      "re-aligned: This document was changed by someone else")
    assert data["realigned"] == [] and len(store.links(db, bad)) == 6


def test_confirm_above_and_what_is_left_to_review(client, db, bad):
    scores = [0.96, 0.9, 0.6, 0.3, None]
    for link, score in zip(store.links(db, bad), scores, strict=True):
        db.execute("update links set score = ? where id = ?", [score, link["id"]])
    db.conn.commit()
    ids = [link["id"] for link in store.links(db, bad)]
    twin = client.get("/documents/bad.json").get_json()["review"]
    assert twin == {"unreviewed": 5, "expected_errors": pytest.approx(2.24),
                    "review_order": [ids[4], ids[3], ids[2], ids[1], ids[0]]}
    left = client.get("/documents/bad/review.json").get_json()
    assert left["review_order"] == twin["review_order"] and left["version"] == version(client)
    answer = post(client, "/confirm-above", threshold=0.9)
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["summary"] == ("Confirmed the 2 automatic rows scoring 0.90 or more "
                               "(about 0.1 expected wrong)")
    assert {row["id"] for row in data["statuses"]} == set(ids[:2])
    assert (data["unreviewed"], data["expected_errors"]) == (3, pytest.approx(2.1))
    assert client.get("/documents/bad/review.json").get_json()["review_order"] == [
        ids[4], ids[3], ids[2]]
    undone = post(client, "/undo").get_json()
    assert (undone["unreviewed"], undone["expected_errors"]) == (5, pytest.approx(2.24))
    assert post(client, "/confirm-above", threshold=1.5).status_code == 400
    assert post(client, "/confirm-above").status_code == 400
    nothing = post(client, "/confirm-above", threshold=0.99)
    assert nothing.status_code == 400 and "no automatic row" in nothing.get_json()["message"]


def test_confirm_above_is_guarded_like_every_write(client, db, bad):
    db.execute("update links set score = 0.9 where document_id = ?", [bad])
    db.conn.commit()
    body = {"threshold": 0.5, "version": version(client)}
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "http://localhost", "X-CSRF-Token": "forged"}):
        answer = client.post("/documents/bad/confirm-above", json=body,
                             headers={**headers, **USER})
        assert answer.status_code == 403, headers
    assert [link["status"] for link in store.links(db, bad)] == ["auto"] * 5
    answer = client.post("/documents/bad/confirm-above", json=body, headers={
        "Origin": "http://localhost", "X-CSRF-Token": csrf_token(client), **USER})
    assert answer.status_code == 200
    assert [link["status"] for link in store.links(db, bad)] == ["confirmed"] * 5


def test_the_openapi_description_lists_realign_and_confirm_above(client):
    spec = client.get("/openapi.json").get_json()
    assert "/documents/{name}/confirm-above" in spec["paths"]
    assert "/documents/{name}/review.json" in spec["paths"]
    text = str(spec)
    assert "realign" in text and "threshold" in text
