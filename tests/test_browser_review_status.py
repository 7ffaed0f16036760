"""Issue 13: a compilation's unmatched material in the editor (calm, outside progress) and
a range of rows marked not for translation in one step, in real headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page, live_server
from tests.test_browser_review import act, current_row, row_count  # noqa: F401
from tests.test_compilation import _no_language_check
from workbench import review, store
from workbench.compilation_import import import_compilation
from workbench.corpus import InputFile

pytestmark = pytest.mark.browser

PAGE = (b"Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
        b"Photo: a caption\n\nzeta eta theta. iota kappa.\n\nShare on social media\n")
ORIGINAL = b"alpha beta gamma. delta epsilon.\n\nzeta eta theta. iota kappa.\n"


@pytest.fixture
def compilation(db, fake_embedder):
    return import_compilation(db, "page", InputFile("page.txt", PAGE),
                              [InputFile("one.txt", ORIGINAL)], fake_embedder,
                              options=_no_language_check())


def open_document(page, base, name):
    page.goto(f"{base}/documents/{name}")
    page.wait_for_selector("body.ready")


def test_unmatched_material_is_calm_and_outside_progress(app, compilation, tmp_path):
    with live_server(app) as base, chromium_page() as page:
        open_document(page, base, "page-unmatched")
        assert row_count(page) == 3
        rows = page.locator(".row")
        for i in range(3):
            assert "excluded" in rows.nth(i).get_attribute("class")
            assert "not for translation" in rows.nth(i).locator(".status").text_content()
            colour = rows.nth(i).evaluate("el => getComputedStyle(el).borderLeftColor")
            assert colour == "rgb(195, 202, 211)", colour  # grey, not the red of a low score
        progress = page.inner_text("#progress-text")
        assert "Reviewed 0 / 0 (100%)" in progress and "3 not for translation" in progress
        page.keyboard.press("l")  # nothing here needs a look
        assert "Every row is reviewed" in page.inner_text("#message")
        page.screenshot(path=str(tmp_path / "unmatched.png"))
        page.goto(base + "/")
        row = page.locator("tr", has_text="page-unmatched")
        assert "3 not for translation" in row.inner_text()
        assert "100%" in row.inner_text()


def test_a_range_is_marked_not_for_translation_in_one_undoable_step(app, compilation, db):
    document_id = compilation.parts[0].document_id
    with live_server(app) as base, chromium_page() as page:
        open_document(page, base, "page-one")
        assert row_count(page) == 4
        page.locator(".row").nth(0).click()
        page.locator(".row").nth(1).click(modifiers=["Shift"])
        assert page.locator(".row.in-range").count() == 2
        act(page, "u")
        classes = [page.locator(".row").nth(i).get_attribute("class") for i in range(4)]
        assert ["excluded" in c for c in classes] == [True, True, False, False]
        assert "Marked rows 1–2 not for translation" in page.inner_text("#message")
        assert "Reviewed 0 / 2" in page.inner_text("#progress-text")
        assert page.locator(".row.in-range").count() == 0
        # the keyboard way: Shift+↓ from row 3 to row 4, then u
        page.keyboard.press("j")
        assert current_row(page) == 3
        page.keyboard.press("Shift+ArrowDown")
        assert page.locator(".row.in-range").count() == 2
        act(page, "u")
        assert page.locator(".row.excluded").count() == 4
        act(page, "Control+z")
        assert page.locator(".row.excluded").count() == 2
        act(page, "Control+z")
        assert page.locator(".row.excluded").count() == 0
        # a single row toggles with u
        act(page, "u")
        assert page.locator(".row.excluded").count() == 1
        act(page, "u")
        assert page.locator(".row.excluded").count() == 0
    assert [e["op"] for e in review.history(db, document_id)][-2:] == ["status_range"] * 2
    assert set(link["status"] for link in store.links(db, document_id)) == {"auto"}
