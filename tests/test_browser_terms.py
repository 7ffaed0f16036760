"""In a real browser: search a term, add its translation to the glossary, read the report."""

import os
from contextlib import contextmanager

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, chromium_page, live_server, require_chromium
from tests.termdata import terms_app

pytestmark = pytest.mark.browser


@pytest.fixture
def app(db_path, fake_embedder):
    return terms_app(db_path, fake_embedder)


def test_search_add_to_glossary_then_consistency_report(app, tmp_path):
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/")
        page.click("text=Terminology")
        page.fill("input[type=search]", "dictature du proletariat")
        page.press("input[type=search]", "Enter")
        page.wait_for_selector("tr.hit")
        assert page.locator("tr.hit").count() == 3
        first = page.locator("tr.hit").first
        assert first.locator(".term-side mark").inner_text() == "dictature du prolétariat"
        assert first.locator(".translation-side mark").inner_text() == (
            "dictatorship of the proletariat")
        variants = page.locator(".variant")
        assert variants.nth(0).inner_text().split() == [
            "dictatorship", "of", "the", "proletariat", "2"]

        # Clicking a translation keeps only its examples.
        page.click(".variant >> text=proletarian dictatorship")
        page.wait_for_selector(".variant.current")
        assert page.locator("tr.hit").count() == 1
        page.go_back()
        page.wait_for_selector("tr.hit >> nth=2")

        # One click adds the pair, without leaving the results.
        page.locator("tr.hit").first.locator("button").click()
        page.wait_for_selector("button.added")
        assert "in glossary" in page.locator("tr.hit").first.locator("button").inner_text()
        assert page.url.startswith(f"{base}/lookup?")

        page.click("text=Consistency report")
        page.wait_for_selector("section.report")
        report = page.locator("section.report")
        assert "2 / 3 consistent" in report.inner_text()
        rows = report.locator("tr.to-check")
        assert rows.count() == 1
        assert "proletarian dictatorship" in rows.first.locator("mark").nth(1).inner_text()
        href = rows.first.locator("a").get_attribute("href")
        assert href.startswith("/documents/histoire?link=")
        page.screenshot(path=str(tmp_path / "consistency.png"))

        page.click("text=Glossary")
        page.wait_for_selector("tr.entry")
        assert page.locator("tr.entry input[name=target_term]").input_value() == (
            "dictatorship of the proletariat")


@contextmanager
def page_without_javascript():
    """A headless Chromium page with JavaScript off: the HTML forms alone must do the work."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser.new_context(java_script_enabled=False).new_page()
        finally:
            browser.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_glossary_add_button_stays_on_the_glossary_page(app, javascript):
    """Issue 13: Add landed on raw JSON (`/glossary.json` showing `{"entry": …}`)."""
    opened = chromium_page() if javascript else page_without_javascript()
    with live_server(app) as base, opened as page:
        page.goto(f"{base}/glossary")
        page.fill("form.glossary-new input[name=source_term]", "loi")
        page.fill("form.glossary-new input[name=target_term]", "law")
        page.fill("form.glossary-new input[name=note]", "Code civil")
        page.click("form.glossary-new button")
        page.wait_for_load_state()
        assert page.url.startswith(f"{base}/glossary?message=")
        assert page.locator("h1").inner_text() == "Glossary"
        assert "Added: loi → law." in page.locator("p.message").inner_text()
        assert page.locator("tr.entry input[name=target_term]").input_value() == "law"

        # The same pair with another note: the page asks, and nothing is overwritten.
        page.fill("form.glossary-new input[name=source_term]", "loi")
        page.fill("form.glossary-new input[name=target_term]", "law")
        page.fill("form.glossary-new input[name=note]", "statute")
        page.click("form.glossary-new button")
        page.wait_for_selector("section.duplicate")
        assert "Code civil" in page.locator(".existing-note").inner_text()
        assert "statute" in page.locator(".proposed-note").inner_text()
        if javascript:  # Esc cancels, and nothing changed
            page.keyboard.press("Escape")
            page.wait_for_url("**/glossary#entry-*")
            assert page.locator("tr.entry input[name=note]").input_value() == "Code civil"
            page.fill("form.glossary-new input[name=source_term]", "loi")
            page.fill("form.glossary-new input[name=target_term]", "law")
            page.fill("form.glossary-new input[name=note]", "statute")
            page.click("form.glossary-new button")
            page.wait_for_selector("section.duplicate")
        page.click("text=Keep both notes")
        page.wait_for_selector("p.message")
        assert page.locator("tr.entry").count() == 1
        assert page.locator("tr.entry input[name=note]").input_value() == "Code civil; statute"

        # A lookup hit's "+ glossary": in place with JavaScript, on the glossary page without.
        page.goto(f"{base}/lookup?q=loi")
        page.locator("tr.hit").first.locator("button").click()
        if javascript:
            page.wait_for_selector("button.added")
            assert "already in glossary" in page.locator("tr.hit").first.inner_text()
            assert page.url.startswith(f"{base}/lookup?")
        else:
            page.wait_for_load_state()
            assert page.url.startswith(f"{base}/glossary")
            assert page.locator("section.duplicate").count() == 1


def test_an_accepted_occurrence_leaves_the_report(app, tmp_path):
    """Screenshots go to $WORKBENCH_SCREENSHOTS when set (to look at them), else tmp_path."""
    folder = os.environ.get("WORKBENCH_SCREENSHOTS") or str(tmp_path)
    with live_server(app) as base, chromium_page(height=900) as page:
        page.goto(f"{base}/glossary")
        page.evaluate("localStorage.setItem('workbench.user', 'Ana')")
        for source, target in [("dictature du prolétariat", "dictatorship of the proletariat"),
                               ("lutte des classes", "class struggle"), ("traité", "treaty")]:
            page.fill("form.glossary-new input[name=source_term]", source)
            page.fill("form.glossary-new input[name=target_term]", target)
            page.click("form.glossary-new button")
            page.wait_for_selector("p.message")
        page.goto(f"{base}/consistency")
        section = page.locator("section.report", has_text="dictature du prolétariat")
        assert "2 / 3 consistent" in section.locator("h2").inner_text()
        page.screenshot(path=os.path.join(folder, "consistency-report.png"), full_page=True)
        section.locator("tr.to-check button", has_text="Accept").click()
        page.wait_for_selector("p.message")
        section = page.locator("section.report", has_text="dictature du prolétariat")
        assert section.locator("tr.to-check").count() == 0
        assert "1 accepted" in section.locator("h2").inner_text()
        section.locator("details.accepted summary").click()
        assert "accepted by Ana" in section.locator("tr.accepted").inner_text()
        page.screenshot(path=os.path.join(folder, "consistency-accepted.png"), full_page=True)
        page.reload()
        assert page.locator("section.report", has_text="dictature du prolétariat").locator(
            "tr.to-check").count() == 0
