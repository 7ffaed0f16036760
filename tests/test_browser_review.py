"""The alignment editor driven in real headless Chromium, as a translator would use it."""

from __future__ import annotations

import json

import pytest

from tests.browser import chromium_page, live_server
from tests.conftest import sentences
from workbench import store

pytestmark = pytest.mark.browser

FRENCH = ["Le roi est mort.", "Vive le roi.", "La foule applaudit.", "Il pleut.",
          "Le vent souffle.", "La nuit tombe."]
ENGLISH = ["The king is dead.", "Long live the king.", "The crowd cheers.", "It rains.",
           "The wind blows.", "Night falls."]
SCORES = [0.95, 0.62, 0.31, 0.88, 0.12, 0.71]


@pytest.fixture
def story(make_document):
    """Six 1-1 rows over two paragraphs, with varied scores."""
    return make_document(
        "story", sentences(*FRENCH[:3]) + sentences(*FRENCH[3:], paragraph=1),
        sentences(*ENGLISH[:3]) + sentences(*ENGLISH[3:], paragraph=1), scores=SCORES)


def open_editor(page, base, query=""):
    page.goto(f"{base}/documents/story{query}")
    page.wait_for_selector("body.ready")


def act(page, key):
    """Press a key that sends an edit, and wait until the page has applied the answer."""
    page.keyboard.press(key)
    page.wait_for_function("!document.body.classList.contains('busy')")


def texts(page, side):
    # textContent, not innerText: rows are `content-visibility: auto`, and a row the page
    # has just inserted has no innerText until the browser's next frame paints it
    return page.locator(f".row .cell.{side}").all_text_contents()


def row_count(page):
    return page.locator(".row").count()


def current_row(page):
    return int(page.locator(".row.current .n").text_content())


def test_confirm_with_key_and_mouse_and_confirm_all_above(app, story, tmp_path):
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        assert row_count(page) == 6
        assert "Reviewed 0 / 6" in page.inner_text("#progress-text")
        act(page, "c")  # confirms row 1 and moves on
        assert "confirmed" in page.locator(".row").nth(0).get_attribute("class")
        assert current_row(page) == 2
        page.locator(".row").nth(3).click()
        page.click("button[data-action=confirm-through]")
        page.wait_for_selector(".row:nth-child(4).confirmed")
        classes = [page.locator(".row").nth(i).get_attribute("class") for i in range(6)]
        assert ["confirmed" in c for c in classes] == [True] * 4 + [False] * 2
        assert "Reviewed 4 / 6" in page.inner_text("#progress-text")
        page.screenshot(path=str(tmp_path / "confirmed.png"))
    links = store.links(app_db(app), story)
    assert [link["status"] for link in links] == ["confirmed"] * 4 + ["auto"] * 2


def app_db(app):
    return store.open_db(app.config["DATABASE"])


def test_merge_split_shift_and_insert_empty_from_the_keyboard(app, story):
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        act(page, "m")  # merge rows 1 and 2
        assert row_count(page) == 5
        assert "Le roi est mort." in texts(page, "source")[0]
        assert "Vive le roi." in texts(page, "source")[0]
        assert "2-2" in page.locator(".row").nth(0).text_content()
        act(page, "x")  # split it again
        assert row_count(page) == 6
        assert "Vive le roi." in texts(page, "source")[1]
        # English side selected, push its last sentence down into row 2
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowUp")
        assert current_row(page) == 1
        act(page, "Control+ArrowDown")
        assert "no counterpart" in texts(page, "target")[0]
        assert "The king is dead." in texts(page, "target")[1]
        assert "Long live the king." in texts(page, "target")[1]
        # and pull it back up with the mouse
        page.locator(".row").nth(1).locator(".cell.target").click()
        page.click("button[data-action=shift-up]")
        page.wait_for_function(
            "document.querySelector('.row .cell.target').innerText.includes('king is dead')")
        # row 3: the French sentence has no counterpart
        page.locator(".row").nth(2).locator(".cell.source").click()
        act(page, "i")
        assert row_count(page) == 7
        assert "no counterpart" in texts(page, "target")[2]
        assert "The crowd cheers." in texts(page, "target")[3]
        assert "no counterpart" in texts(page, "source")[3]


def test_edit_text_split_and_join_sentences(app, story):
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        page.locator(".row").nth(1).locator(".cell.target .s").dblclick()
        area = page.locator(".cell.editing textarea")
        area.fill("Long live the king. Long live France.")
        area.press("End")
        for _ in range(len("Long live France.")):
            area.press("ArrowLeft")
        area.press("Control+Enter")  # save the text, then split at the cursor
        page.wait_for_selector(".cell.editing", state="detached")
        page.wait_for_function("!document.body.classList.contains('busy')")
        page.wait_for_function(
            "document.querySelectorAll('.row')[1].querySelectorAll('.cell.target .s').length == 2")
        second = page.locator(".row").nth(1).locator(".cell.target .s")
        assert second.nth(0).text_content().endswith("Long live the king.")
        assert second.nth(1).text_content().endswith("Long live France.")
        # sentence numbers below were renumbered: "The crowd cheers." is now sentence 4
        assert "1·4" in texts(page, "target")[2]
        # join them again from the editor
        page.keyboard.press("e")
        page.locator(".cell.editing textarea").first.press("Control+j")
        page.wait_for_function(
            "document.querySelectorAll('.row')[1].querySelectorAll('.cell.target .s').length == 1")
        page.wait_for_function("!document.body.classList.contains('busy')")
        assert "Long live the king. Long live France." in texts(page, "target")[1]
        assert "1·3" in texts(page, "target")[2]
        # fix a typo on the French side, with the keyboard only
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("e")
        page.locator(".cell.editing textarea").fill("Vive le roi !")
        page.keyboard.press("Enter")
        page.wait_for_function("document.querySelectorAll('.row')[1].innerText.includes('roi !')")
        assert "edited" in page.locator(".row").nth(1).get_attribute("class")


def test_undo_and_redo_survive_a_reload(app, story):
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        act(page, "m")
        assert row_count(page) == 5
        page.reload()
        page.wait_for_selector("body.ready")
        assert row_count(page) == 5
        act(page, "Control+z")
        assert row_count(page) == 6
        assert "Undid" in page.inner_text("#message")
        page.reload()
        page.wait_for_selector("body.ready")
        assert row_count(page) == 6
        assert page.locator("#redo-button").is_enabled()
        act(page, "Control+y")
        assert row_count(page) == 5
        page.click("#undo-button")
        page.wait_for_function("document.querySelectorAll('.row').length == 6")
        page.keyboard.press("h")  # the history names each change, who made it and when
        page.wait_for_selector("#history:not([hidden]) #history-rows tr")
        entry = page.locator("#history-rows tr").first
        assert "Merged rows 1 and 2" in entry.inner_text()
        assert "undone by anonymous" in entry.inner_text()
        entry.click()
        assert not page.locator("#history").is_visible()
        assert current_row(page) == 1


def test_a_conflict_between_two_pages_is_reported_and_refreshed(app, story):
    with live_server(app) as base, chromium_page() as first:
        second = first.context.browser.new_page(viewport={"width": 1366, "height": 768},
                                                bypass_csp=True)
        open_editor(first, base)
        open_editor(second, base)
        second.evaluate("localStorage.setItem('workbench.user', 'bo')")
        act(second, "m")  # bo merges rows 1 and 2
        assert row_count(second) == 5
        act(first, "c")  # the first page still shows version 1
        message = first.inner_text("#message")
        assert "changed by someone else" in message
        first.wait_for_function("document.querySelectorAll('.row').length == 5")
        assert "confirmed" not in first.locator(".row").nth(0).get_attribute("class")
        act(first, "c")  # after the refresh the edit goes through
        assert "confirmed" in first.locator(".row").nth(0).get_attribute("class")
        # a text typed on a stale page is not lost: it comes back in the editor
        open_editor(second, base)
        second.keyboard.press("j")
        act(second, "c")  # bo confirms row 2, which the first page has not seen
        first.keyboard.press("k")
        first.keyboard.press("e")
        first.locator(".cell.editing textarea").first.fill("Le roi est bien mort.")
        first.keyboard.press("Enter")
        first.wait_for_function("!document.body.classList.contains('busy')")
        first.wait_for_selector(".cell.editing textarea")
        assert "still in the editor" in first.inner_text("#message")
        assert first.locator(".cell.editing textarea").first.input_value() == \
            "Le roi est bien mort."
        first.keyboard.press("Enter")
        first.wait_for_function("!document.body.classList.contains('busy')")
        first.wait_for_function("document.querySelector('.row').innerText.includes('bien mort')")
        first.wait_for_function("!document.body.classList.contains('busy')")
        links = store.links(app_db(app), story)
        assert (links[0]["status"], links[0]["updated_by"]) == ("edited", "anonymous")
        assert [e["user"] for e in _history(app, story)] == ["anonymous", "bo", "anonymous", "bo"]


def _history(app, document_id):
    from workbench import review

    return review.history(app_db(app), document_id)


def test_navigation_keys_least_confident_search_filter_goto_and_help(app, story, tmp_path):
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        page.keyboard.press("l")
        assert current_row(page) == 5  # score 0.12
        page.keyboard.press("l")
        assert current_row(page) == 3  # 0.31
        act(page, "c")
        page.keyboard.press("l")
        assert current_row(page) == 5  # the least confident unconfirmed row again
        page.keyboard.press("Home")
        page.keyboard.press("j")
        assert current_row(page) == 2
        page.keyboard.press("n")
        assert current_row(page) == 4  # row 3 is confirmed now
        page.keyboard.press("p")
        assert current_row(page) == 2
        page.keyboard.press("g")
        page.keyboard.type("6")
        page.keyboard.press("Enter")
        assert current_row(page) == 6
        page.keyboard.press("/")
        page.keyboard.type("foule")
        page.keyboard.press("Enter")
        assert current_row(page) == 3
        page.keyboard.press("Escape")
        page.keyboard.press("f")  # unconfirmed only
        assert page.locator(".row:not(.hidden)").count() == 5
        page.keyboard.press("f")  # not 1-1
        assert page.locator(".row:not(.hidden)").count() == 0
        page.keyboard.press("f")  # low score
        assert page.locator(".row:not(.hidden)").count() == 2
        page.keyboard.press("f")
        assert page.locator(".row:not(.hidden)").count() == 6
        page.keyboard.press("?")
        assert page.locator("#help").is_visible()
        assert "least-confident" in page.inner_text("#help")
        page.screenshot(path=str(tmp_path / "help.png"))
        page.keyboard.press("Escape")
        assert not page.locator("#help").is_visible()


def test_a_link_in_the_url_opens_that_pair(app, story):
    fifth = store.links(app_db(app), story)[4]["id"]
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base, f"#link-{fifth}")
        assert current_row(page) == 5
        open_editor(page, base, f"?link={fifth}")
        assert current_row(page) == 5


def test_the_overview_map_jumps_to_the_row_clicked(app, story):
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.9)
        assert current_row(page) == 6
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 2)
        assert current_row(page) == 1


def test_an_idle_page_picks_up_a_colleagues_change(app, story):
    with live_server(app) as base, chromium_page() as first:
        first.add_init_script("window.workbenchPollMs = 200")
        open_editor(first, base)
        # The colleague works in a browser of their own (a separate context, as another
        # window): both pages stay visible, so the first one keeps polling.
        second = first.context.browser.new_context(bypass_csp=True).new_page()
        open_editor(second, base)
        second.evaluate("localStorage.setItem('workbench.user', 'bo')")
        act(second, "m")
        first.wait_for_function("document.querySelectorAll('.row').length == 5")
        first.wait_for_function("document.getElementById('message').innerText.includes('bo')")


def test_a_reload_overtaken_by_the_pages_own_edit_does_not_bring_old_rows_back(app, story):
    """A colleague's change announced just before this page's own edit: the reload that
    follows may answer with a state older than what the page already shows."""
    with live_server(app) as base, chromium_page() as page:
        page.add_init_script("window.workbenchPollMs = 200")
        open_editor(page, base)
        old_state = page.evaluate("fetch(location.pathname + '/state.json').then(r => r.text())")
        act(page, "m")
        assert row_count(page) == 5
        newer = json.dumps({"version": 99, "updated": "", "last_change": None})
        page.route("**/version.json", lambda route: route.fulfill(
            status=200, content_type="application/json", body=newer))
        page.route("**/state.json", lambda route: route.fulfill(
            status=200, content_type="application/json", body=old_state))
        with page.expect_request("**/state.json"):  # the next poll reloads
            pass
        page.wait_for_timeout(500)  # several more polls and reloads
        assert row_count(page) == 5
        assert "Vive le roi." in texts(page, "source")[0]


def test_realign_from_the_page_keeps_confirmed_rows(db_path, db, fake_embedder):
    from workbench.web import create_app

    texts = ["le chat dort", "le chien court", "la pluie tombe", "le vent souffle"]
    document_id = store.create_document(db, "story", sentences(*texts), sentences(*texts))
    src = store.sentences(db, document_id, store.SOURCE)
    tgt = store.sentences(db, document_id, store.TARGET)
    store.replace_links(db, document_id, [
        {"source_ids": [src[0]["id"]], "target_ids": [tgt[0]["id"]], "status": "confirmed"},
        {"source_ids": [src[1]["id"], src[2]["id"]], "target_ids": [tgt[1]["id"]]},
        {"source_ids": [src[3]["id"]], "target_ids": [tgt[2]["id"], tgt[3]["id"]]},
    ])
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        assert row_count(page) == 3
        act(page, "Shift+R")
        assert row_count(page) == 4
        assert "confirmed" in page.locator(".row").nth(0).get_attribute("class")
        assert "Re-aligned" in page.inner_text("#message")


def test_a_document_without_pairs_says_so_and_aligns_from_the_page(db_path, db, fake_embedder):
    from workbench.web import create_app

    texts = ["le chat dort", "le chien court"]
    store.create_document(db, "story", sentences(*texts), sentences(*texts))
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        assert "no pairs yet" in page.text_content("#rows")
        page.keyboard.press("c")
        assert "no rows yet" in page.inner_text("#message")
        act(page, "Shift+R")
        assert row_count(page) == 2
        assert "no pairs yet" not in page.text_content("#rows")


def test_keys_pressed_during_an_edit_are_not_lost(app, story):
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        for key in ("c", "c", "c", "j", "c"):  # faster than the server answers
            page.keyboard.press(key)
        page.wait_for_function(
            "document.querySelectorAll('.row.confirmed').length == 4"
            " && !document.body.classList.contains('busy')")
        classes = [page.locator(".row").nth(i).get_attribute("class") for i in range(6)]
        assert ["confirmed" in c for c in classes] == [True, True, True, False, True, False]
        assert current_row(page) == 6
