import pytest

from tests.browser import chromium_page, live_server

pytestmark = pytest.mark.browser


def test_document_page_shows_the_pairs_in_a_real_browser(app, sample_document, tmp_path):
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/")
        page.click("text=sample")
        page.wait_for_selector("body.ready")
        rows = page.locator(".row")
        assert rows.count() == 3
        assert "Le roi est mort." in rows.nth(0).text_content()
        assert "The king is dead." in rows.nth(0).text_content()
        page.screenshot(path=str(tmp_path / "document.png"))
