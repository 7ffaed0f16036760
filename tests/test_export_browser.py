import pytest
from lxml import etree

from tests.browser import chromium_page, live_server

pytestmark = pytest.mark.browser


def test_download_button_saves_the_documents_tmx(app, sample_document, tmp_path):
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/documents/sample")
        page.click(".export-menu summary")  # the editor folds the export buttons into a menu
        page.fill("input[name=min_score]", "0.5")
        with page.expect_download() as download_info:
            page.click("button[data-format=tmx]")
        download = download_info.value
        assert download.suggested_filename == "sample.tmx"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    units = etree.fromstring(saved.read_bytes()).findall("body/tu")
    assert [tu.findtext("tuv/seg") for tu in units] == ["Le roi est mort.", "Vive le roi."]
