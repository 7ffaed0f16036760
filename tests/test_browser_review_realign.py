"""Issue 15 in headless Chromium: a correction re-aligns its neighbours, which the page flags,
and one Ctrl+Z restores all of it; the toggle turns it off; "confirm everything above X"
confirms the right rows in one undo step; the least-confident jump follows the server."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page, live_server
from tests.test_browser_review import act, row_count, texts
from tests.test_realign_around import WORDS, badly_aligned
from tests.test_review import state
from workbench import store
from workbench.web import create_app

pytestmark = pytest.mark.browser


@pytest.fixture
def app(db_path, fake_embedder):
    store.open_db(db_path).close()
    return create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})


@pytest.fixture
def bad(db):
    """Six sentences a side, linked 1-1, 2-1, 1-2, 1-2, 1-0 (test_realign_around)."""
    document_id, _, _ = badly_aligned(db, name="bad")
    return document_id


def open_bad(page, base):
    page.goto(f"{base}/documents/bad")
    page.wait_for_selector("body.ready")


def select_row(page, n):
    page.locator(".row").nth(n - 1).locator(".n").click()


def test_a_correction_realigns_its_neighbours_and_one_ctrl_z_restores_all(app, bad, db):
    before = state(db, bad)
    with live_server(app) as base, chromium_page() as page:
        open_bad(page, base)
        assert page.get_attribute("#realign-toggle", "aria-pressed") == "true"  # on by default
        select_row(page, 2)
        act(page, "x")  # split the wrong 2-1 row
        assert row_count(page) == 7
        for side in ("source", "target"):  # the rows below are repaired: 1-1 again
            assert [t.strip()[3:] for t in texts(page, side)[-3:]] == list(WORDS[3:])
        flagged = page.locator(".row.realigned")
        assert flagged.count() == 4  # the rows the re-alignment created, flagged for a moment
        assert "and re-aligned 4 rows" in page.inner_text("#message")
        assert [link["source_ids"] for link in store.links(db, bad)][-3:] != \
            [link["source_ids"] for link in before["links"]][-3:]
        page.wait_for_function("document.querySelectorAll('.row.realigned').length === 0")
        page.keyboard.press("h")  # one line in the history for both
        page.wait_for_selector("#history-rows tr")
        lines = page.locator("#history-rows tr").all_inner_texts()
        assert len(lines) == 1 and "Split row 2 into 2 rows, and re-aligned 4 rows" in lines[0]
        page.keyboard.press("Escape")
        act(page, "Control+z")
        assert row_count(page) == 5
        assert "Undid: split row 2 into 2 rows, and re-aligned 4 rows" in page.inner_text(
            "#message")
    assert state(db, bad) == before


def test_with_the_toggle_off_a_correction_stays_alone(app, bad, db):
    with live_server(app) as base, chromium_page() as page:
        open_bad(page, base)
        page.keyboard.press("r")
        assert page.get_attribute("#realign-toggle", "aria-pressed") == "false"
        open_bad(page, base)  # remembered
        assert page.get_attribute("#realign-toggle", "aria-pressed") == "false"
        select_row(page, 2)
        act(page, "x")
        assert row_count(page) == 6
        assert page.locator(".row.realigned").count() == 0
        assert "re-aligned" not in page.inner_text("#message")
        page.click("#realign-toggle")  # and on again, with the mouse
        assert page.get_attribute("#realign-toggle", "aria-pressed") == "true"
    assert len(store.links(db, bad)) == 6


def test_confirm_everything_above_a_threshold_and_undo_it(app, bad, db):
    scores = [0.96, 0.9, 0.6, 0.3, None]
    for link, score in zip(store.links(db, bad), scores, strict=True):
        db.execute("update links set score = ? where id = ?", [score, link["id"]])
    db.conn.commit()
    before = state(db, bad)
    with live_server(app) as base, chromium_page() as page:
        open_bad(page, base)
        assert "≈ 2.2 wrong among 5 unconfirmed" in page.inner_text("#expected-errors")
        page.keyboard.press("t")
        page.keyboard.press("Control+a")
        page.keyboard.type("0.6")
        button = page.inner_text("#confirm-above-button")
        assert "3 rows, expecting about 0.5 errors" in button, button  # 0.04 + 0.1 + 0.4
        page.keyboard.press("Enter")
        page.wait_for_selector(".row:nth-child(3).confirmed")
        page.wait_for_function("!document.body.classList.contains('busy')")
        classes = [page.locator(".row").nth(i).get_attribute("class") for i in range(5)]
        assert ["confirmed" in c for c in classes] == [True, True, True, False, False]
        assert "≈ 1.7 wrong among 2 unconfirmed" in page.inner_text("#expected-errors")
        assert "Ctrl+Z undoes it" in page.inner_text("#message")
        act(page, "Control+z")
        assert page.locator(".row.confirmed").count() == 0
        assert state(db, bad) == before
        act(page, "A")  # Shift+A: the same, with the threshold kept
        assert page.locator(".row.confirmed").count() == 3
        open_bad(page, base)
        assert page.input_value("#confirm-threshold") == "0.6"  # remembered
    assert [link["status"] for link in store.links(db, bad)] == ["confirmed"] * 3 + ["auto"] * 2


def test_the_least_confident_jump_follows_the_servers_order(app, bad, db, monkeypatch):
    from workbench.web import review as web_review

    scores = [0.2, 0.9, 0.6, 0.3, 0.8]
    for link, score in zip(store.links(db, bad), scores, strict=True):
        db.execute("update links set score = ? where id = ?", [score, link["id"]])
    db.conn.commit()
    # a different order from the server (the most confident first) changes the editor too
    monkeypatch.setattr(web_review, "review_order", lambda rows: [
        row["id"] for row in sorted(rows, key=lambda row: -(row["score"] or 0))
        if row["status"] == "auto"])
    with live_server(app) as base, chromium_page() as page:
        open_bad(page, base)
        page.keyboard.press("l")
        assert page.inner_text(".row.current .n") == "2"
        page.keyboard.press("l")
        assert page.inner_text(".row.current .n") == "5"
        act(page, "c")  # the answer brings the order up to date
        page.keyboard.press("l")
        assert page.inner_text(".row.current .n") == "2"
