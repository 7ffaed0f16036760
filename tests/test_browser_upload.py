"""Importing through the upload page in a real browser."""

import pytest

from tests.browser import chromium_page, live_server
from tests.test_import import ENGLISH, FRENCH

pytestmark = pytest.mark.browser


@pytest.fixture
def files(tmp_path):
    paths = {
        "fr": tmp_path / "port.txt", "en": tmp_path / "port-en.txt",
        "empty": tmp_path / "vide.txt", "page": tmp_path / "page.txt",
        "one": tmp_path / "one.txt", "two": tmp_path / "two.txt",
    }
    paths["fr"].write_text(FRENCH, encoding="utf-8")
    paths["en"].write_text(ENGLISH, encoding="utf-8")
    paths["empty"].write_bytes(b"")
    paths["page"].write_text(
        "Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
        "zeta eta theta. iota kappa.\n\nShare on social media\n"
    )
    paths["one"].write_text("alpha beta gamma. delta epsilon.\n")
    paths["two"].write_text("zeta eta theta. iota kappa.\n")
    return {key: str(path) for key, path in paths.items()}


def test_upload_a_pair_a_bad_file_and_a_compilation(app, fake_embedder, files, tmp_path):
    app.config["EMBEDDER"] = fake_embedder
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/")
        page.click("nav >> text=Import")
        page.wait_for_selector("#pair-form")

        # A bad file: the error is shown and nothing is imported.
        page.set_input_files("#pair-form input[name=french]", files["empty"])
        page.set_input_files("#pair-form input[name=english]", files["en"])
        page.click("#pair-form button[type=submit]")
        error = page.locator(".message.error")
        assert "vide.txt is empty" in error.inner_text()
        assert "Nothing was imported" in error.inner_text()

        # A good pair is imported and aligned, with a link to its document.
        page.set_input_files("#pair-form input[name=french]", files["fr"])
        page.set_input_files("#pair-form input[name=english]", files["en"])
        page.fill("#pair-form input[name=name]", "port")
        page.click("#pair-form button[type=submit]")
        assert "imported and aligned" in page.locator(".message.success").inner_text()
        page.click(".message.success >> text=port")
        page.wait_for_selector("body.ready")
        table = page.locator("#rows").text_content()  # rows may not be painted yet
        assert "Le vieux port de Marseille s'éveille avant l'aube." in table
        assert "The old harbour of Marseille wakes up before dawn." in table

        # A compilation: split, shown, and corrected by the translator.
        page.goto(f"{base}/import")
        page.set_input_files("#compilation-form input[name=compilation]", files["page"])
        page.set_input_files("#compilation-form input[name=originals]",
                             [files["one"], files["two"]])
        page.check("#compilation-form input[name=no_language_check]")
        page.click("#compilation-form button[type=submit]")
        page.wait_for_selector("table.split")
        summary = page.locator(".message.success").inner_text()
        assert "page-one: 1 paragraph(s) matched" in summary
        assert "page-unmatched: 2 paragraph(s) left unmatched" in summary
        rows = page.locator("table.split tr.paragraph")
        assert rows.count() == 4
        assert "unmatched" in rows.nth(0).get_attribute("class")
        assert "matched" in rows.nth(1).get_attribute("class")
        page.select_option("select[name=p3]", "page-two")
        page.click("text=Apply the corrected split")
        page.wait_for_selector(".message.success")
        assert "Split corrected" in page.locator(".message.success").inner_text()
        assert page.locator("select[name=p3]").input_value() == "page-two"
        page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)


def test_a_refused_import_keeps_the_form_and_names_the_checkbox(app, fake_embedder, files):
    app.config["EMBEDDER"] = fake_embedder
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/import")
        page.set_input_files("#pair-form input[name=french]", files["en"])  # English as French
        page.set_input_files("#pair-form input[name=english]", files["en"])
        page.fill("#pair-form input[name=name]", "mon-port")
        page.click("#pair-form button[type=submit]")
        error = page.locator(".message.error").inner_text()
        assert "reads as English" in error and "Skip the language check" in error
        assert "--" not in error
        # Nothing to choose again: the name and the files are still there.
        assert page.locator("#pair-form input[name=name]").input_value() == "mon-port"
        assert page.eval_on_selector("#pair-form input[name=french]", "e => e.files.length") == 1

        page.check("#pair-form input[name=no_language_check]")
        page.click("#pair-form button[type=submit]")
        success = page.locator(".message.success")
        assert "imported and aligned" in success.inner_text()
        assert "/import/jobs/" in page.url
        assert page.locator(".message.success a").get_attribute("href") == "/documents/mon-port"
