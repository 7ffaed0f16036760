"""In a real browser: search a term, add its translation to the glossary, read the report."""

import pytest

from tests.browser import chromium_page, live_server
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
