"""The sentence editor in real headless Chromium: nothing typed is lost, nothing is saved over
a colleague's change unseen, and the overview map keeps its matrix after edits."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page, live_server
from tests.test_browser_review import app_db, open_editor, story  # noqa: F401 (a fixture)
from workbench import store

pytestmark = pytest.mark.browser

KING = "Long live the king."


def wait_idle(page):
    page.wait_for_function("!document.body.classList.contains('busy')")


def open_sentence(page, row, side="target"):
    """Double-click a row's sentence: its editor opens with the focus in the textarea."""
    page.locator(".row").nth(row).locator(f".cell.{side} .s").first.dblclick()
    page.wait_for_selector(".cell.editing textarea")
    return page.locator(".cell.editing textarea").first


def stored_text(app, document_id, position, side=store.TARGET):
    return store.sentences(app_db(app), document_id, side)[position]["text"]


# --- a refused or failed save leaves a working editor ---------------------------------------


def test_a_refused_save_leaves_a_working_editor_with_the_text(app, story):  # noqa: F811
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        area = open_sentence(page, 1)
        area.fill("")
        area.press("Enter")
        wait_idle(page)
        assert "cannot be empty" in page.inner_text("#message")
        assert page.locator(".cell.editing textarea").count() == 1
        area = page.locator(".cell.editing textarea").first
        assert area.evaluate("a => a === document.activeElement")
        area.fill("Long live the queen.")
        area.press("Enter")  # the same editor saves now
        page.wait_for_selector(".cell.editing", state="detached")
        wait_idle(page)
        assert "Long live the queen." in page.locator(".row").nth(1).text_content()
        assert stored_text(app, story, 1) == "Long live the queen."
        # refused again, then Cancel and Esc still work
        area = open_sentence(page, 1)
        area.fill("  ")
        page.click(".cell.editing button[data-edit=save]")
        wait_idle(page)
        assert "cannot be empty" in page.inner_text("#message")
        page.keyboard.press("Escape")
        page.wait_for_selector(".cell.editing", state="detached")
        assert "Long live the queen." in page.locator(".row").nth(1).text_content()
        area = open_sentence(page, 1)
        area.fill("")
        area.press("Enter")
        wait_idle(page)
        page.click(".cell.editing button[data-edit=cancel]")
        page.wait_for_selector(".cell.editing", state="detached")


@pytest.mark.parametrize("failure", ["network", "server"])
def test_a_failed_save_keeps_the_typed_text_and_saves_it_when_asked_again(
        app, story, failure):  # noqa: F811
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)

        def fail(route):
            if failure == "network":
                route.abort()
            else:
                route.fulfill(status=500, content_type="application/json",
                              body='{"error": "server", "message": "The server broke."}')

        page.route("**/sentences/*/text", fail)
        area = open_sentence(page, 1)
        area.fill("Long live the queen.")
        area.press("Enter")
        wait_idle(page)
        expected = "Could not reach the server" if failure == "network" else "The server broke."
        assert expected in page.inner_text("#message")
        area = page.locator(".cell.editing textarea").first
        assert area.input_value() == "Long live the queen."
        assert stored_text(app, story, 1) == KING
        page.unroute("**/sentences/*/text")
        area.press("Enter")
        page.wait_for_selector(".cell.editing", state="detached")
        wait_idle(page)
        assert stored_text(app, story, 1) == "Long live the queen."


# --- two translators, one sentence ------------------------------------------------------------


def translator(browser, base, name):
    """A translator's own browser profile (own storage), with the editor open."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base}/documents/story")
    page.evaluate(f"localStorage.setItem('workbench.user', {name!r})")
    open_editor(page, base)
    return page


def test_two_translators_edit_the_same_sentence(app, story, tmp_path):  # noqa: F811
    with live_server(app) as base, chromium_page() as first:
        ana = translator(first.context.browser, base, "ana")
        ben = translator(first.context.browser, base, "ben")
        ana_area = open_sentence(ana, 1)
        ben_area = open_sentence(ben, 1)
        ana_area.fill("cold and hunger")
        ana_area.press("Enter")
        ana.wait_for_selector(".cell.editing", state="detached")
        wait_idle(ana)
        ben_area.fill("Long live the queen.")
        ben_area.press("Enter")
        wait_idle(ben)
        # Ben sees Ana's text beside his own and the text they both started from
        conflict = ben.locator(".text-conflict")
        conflict.wait_for()
        assert "cold and hunger" in conflict.locator(".theirs").inner_text()
        assert "ana" in conflict.locator(".theirs").inner_text()
        assert "Long live the queen." in conflict.locator(".yours").inner_text()
        assert KING in conflict.locator(".base").inner_text()
        assert ben.locator(".cell.editing textarea").first.input_value() == \
            "Long live the queen."
        assert stored_text(app, story, 1) == "cold and hunger"  # nothing saved over it
        ben.screenshot(path=str(tmp_path / "text-conflict.png"))
        # taking theirs closes the editor on Ana's text, saving nothing
        conflict.locator("button[data-conflict=theirs]").click()
        ben.wait_for_selector(".cell.editing", state="detached")
        assert "cold and hunger" in ben.locator(".row").nth(1).text_content()
        assert stored_text(app, story, 1) == "cold and hunger"

        # again: Ana changes it while Ben edits; Ben merges both into one text
        ben_area = open_sentence(ben, 1)
        ana_area = open_sentence(ana, 1)
        ana_area.fill("Cold and hunger.")
        ana_area.press("Enter")
        ana.wait_for_selector(".cell.editing", state="detached")
        wait_idle(ana)
        ben_area.fill("Cold, hunger and the king.")
        ben_area.press("Enter")
        wait_idle(ben)
        ben.locator(".text-conflict").wait_for()
        assert "Cold and hunger." in ben.locator(".text-conflict .theirs").inner_text()
        assert "cold and hunger" in ben.locator(".text-conflict .base").inner_text()
        merged = ben.locator(".cell.editing textarea").first
        merged.fill("Cold and hunger, and the king.")
        merged.press("Enter")  # he has seen Ana's version: his merged text is saved
        ben.wait_for_selector(".cell.editing", state="detached")
        wait_idle(ben)
        assert stored_text(app, story, 1) == "Cold and hunger, and the king."

        # and once more: Ben keeps his own text, knowingly
        open_editor(ana, base)  # Ana's page picks up Ben's merged text
        ben_area = open_sentence(ben, 1)
        ana_area = open_sentence(ana, 1)
        ana_area.fill("Hunger.")
        ana_area.press("Enter")
        ana.wait_for_selector(".cell.editing", state="detached")
        wait_idle(ana)
        ben_area.fill("Long live the king, said the crowd.")
        ben_area.press("Enter")
        wait_idle(ben)
        ben.locator(".text-conflict").wait_for()
        ben.locator(".cell.editing textarea").first.press("Alt+m")  # Keep mine, from the keyboard
        ben.wait_for_selector(".cell.editing", state="detached")
        wait_idle(ben)
        assert stored_text(app, story, 1) == "Long live the king, said the crowd."
        links = store.links(app_db(app), story)
        assert links[1]["updated_by"] == "ben"


# --- the overview map follows the edits ---------------------------------------------------------


def test_the_map_is_fetched_again_with_its_matrix_after_edits(db_path, db, fake_embedder):
    from tests.conftest import sentences
    from workbench.importing import create_aligned_document
    from workbench.web import create_app

    texts = ["le chat dort", "le chien court", "la pluie tombe", "le vent souffle"]
    create_aligned_document(db, "story", sentences(*texts), sentences(*texts),
                                     fake_embedder)
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})

    def is_map(request):
        return request.url.endswith("/map.json")

    with live_server(app) as base, chromium_page() as page:
        with page.expect_response(is_map) as first:
            open_editor(page, base)
        assert first.value.json()["cells"] is not None
        area = open_sentence(page, 1)
        with page.expect_response(is_map) as after_edit:
            area.fill("le chien court vite")
            area.press("Enter")
        assert after_edit.value.json()["cells"] is not None
        page.locator(".row").nth(2).locator(".cell.target .s").first.dblclick()
        area = page.locator(".cell.editing textarea").first
        area.press("End")
        for _ in range(len(" tombe")):
            area.press("ArrowLeft")
        with page.expect_response(is_map) as after_split:
            area.press("Control+Enter")
        assert after_split.value.json()["cells"] is not None
        wait_idle(page)
        with page.expect_response(is_map) as after_realign:
            page.keyboard.press("Shift+R")
        assert after_realign.value.json()["cells"] is not None


def test_in_a_row_of_two_sentences_the_one_not_saved_stays_in_the_editor(app, story):  # noqa: F811
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        page.keyboard.press("m")  # rows 1 and 2 become one row of two sentences a side
        wait_idle(page)
        second = store.sentences(app_db(app), story, store.TARGET)[1]["id"]
        page.route(f"**/sentences/{second}/text", lambda route: route.abort())
        page.locator(".row").nth(0).locator(".cell.target .s").first.dblclick()
        areas = page.locator(".cell.editing textarea")
        areas.nth(0).fill("The king is dead, they say.")
        areas.nth(1).fill("Long live the queen.")
        areas.nth(0).press("Enter")
        page.wait_for_function("document.querySelector('#message').textContent"
                               ".includes('Could not reach the server')")
        wait_idle(page)
        areas = page.locator(".cell.editing textarea")
        assert areas.nth(1).input_value() == "Long live the queen."
        assert stored_text(app, story, 0) == "The king is dead, they say."
        assert stored_text(app, story, 1) == KING
        page.unroute(f"**/sentences/{second}/text")
        areas.nth(1).press("Enter")
        page.wait_for_selector(".cell.editing", state="detached")
        wait_idle(page)
        assert stored_text(app, story, 1) == "Long live the queen."
