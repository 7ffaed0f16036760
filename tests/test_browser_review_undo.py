"""Issue 13: two translators on one document, each with their own undo, in headless
Chromium."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page, live_server
from tests.test_browser_review import act, open_editor, row_count, story  # noqa: F401
from workbench import store

pytestmark = pytest.mark.browser


def as_user(page, name):
    page.evaluate(f"localStorage.setItem('workbench.user', '{name}')")


def test_ctrl_z_undoes_your_own_change_and_names_whose_it_is(app, story):  # noqa: F811
    with live_server(app) as base, chromium_page() as ana:
        ben = ana.context.browser.new_context(bypass_csp=True).new_page()
        for page, name in ((ana, "ana"), (ben, "ben")):
            open_editor(page, base)
            as_user(page, name)
            open_editor(page, base)
        act(ana, "m")  # Ana merges rows 1 and 2
        open_editor(ben, base)
        assert not ben.locator("#undo-button").is_enabled()  # nothing of Ben's to undo
        ben.keyboard.press("End")
        act(ben, "c")  # Ben confirms the last row
        open_editor(ana, base)  # Ana's page shows Ben's change
        assert ana.locator("#undo-button").is_enabled()
        act(ana, "Control+z")
        message = ana.inner_text("#message")
        assert "Undid: merged rows 1 and 2 (change by ana)" in message, message
        assert row_count(ana) == 6
        assert "confirmed" in ana.locator(".row").nth(5).get_attribute("class")  # Ben's stays
        # Ana merges again; Ben confirms the merged row: Ana's undo would overwrite it
        act(ana, "m")
        open_editor(ben, base)
        act(ben, "c")
        open_editor(ana, base)
        act(ana, "Control+z")
        ana.wait_for_function(
            "document.getElementById('message').innerText.includes('ben changed the same rows')")
        assert "confirmed" in ana.locator(".row").nth(0).get_attribute("class")
    links = store.open_db(app.config["DATABASE"]).execute(
        "select count(*) from links").fetchone()[0]
    assert links == 5


def test_a_finished_document_refuses_edits_on_the_page_until_reopened(app, story):  # noqa: F811
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        page.click("#finish-button")
        page.wait_for_selector("#finished-state:not([hidden])")
        assert "Finished" in page.inner_text("#finished-state")
        act(page, "c")
        assert "reopen it to edit" in page.inner_text("#message")
        assert page.locator(".row.confirmed").count() == 0
        page.locator(".row").nth(1).locator(".cell.target .s").dblclick()
        assert page.locator(".cell.editing").count() == 0
        open_editor(page, base)  # still finished after a reload
        assert "Finished" in page.inner_text("#finished-state")
        page.click("button[data-action=reopen]")
        page.wait_for_selector("#finished-state", state="hidden")
        act(page, "c")
        assert page.locator(".row.confirmed").count() == 1


def test_a_colleagues_undo_is_announced_and_a_change_is_undone_from_the_history(app, story):  # noqa: F811
    with live_server(app) as base, chromium_page() as ana:
        ana.add_init_script("window.workbenchPollMs = 200")
        open_editor(ana, base)
        as_user(ana, "ana")
        ben = ana.context.browser.new_context(bypass_csp=True).new_page()
        open_editor(ben, base)
        as_user(ben, "ben")
        open_editor(ben, base)
        act(ben, "m")
        ana.wait_for_function("document.querySelectorAll('.row').length == 5")
        # Ana undoes Ben's merge on purpose, from the history
        ana.keyboard.press("h")
        ana.wait_for_selector("#history-rows [data-undo-seq]")
        ana.click("#history-rows [data-undo-seq]")
        ana.wait_for_function("document.querySelectorAll('.row').length == 6")
        assert "(change by ben)" in ana.inner_text("#message")
        ben.add_init_script("window.workbenchPollMs = 200")
        open_editor(ben, base)
        act(ben, "m")
        act(ben, "Control+z")
        ana.wait_for_function(
            "document.getElementById('message').innerText.includes('ben undid their change')")
