"""A team server in real headless Chromium: log in, make one edit, log out."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page, live_server
from tests.conftest import sentences
from workbench import store, user_store
from workbench.web import create_app

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def test_log_in_make_an_edit_and_log_out(db_path, db, fake_embedder):
    document_id = store.create_document(
        db, "story", sentences("Le roi est mort.", "Vive le roi."),
        sentences("The king is dead.", "Long live the king."))
    src = store.sentences(db, document_id, store.SOURCE)
    tgt = store.sentences(db, document_id, store.TARGET)
    store.replace_links(db, document_id, [
        {"source_ids": [s["id"]], "target_ids": [t["id"]], "score": 0.5}
        for s, t in zip(src, tgt, strict=True)])
    user_store.add(db, "Rémi", PASSWORD, "reviewer")
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder,
                      "REQUIRE_LOGIN": True})
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/documents/story")
        assert "/login" in page.url  # anonymous: sent to the login page
        # a name typed in the login-free box earlier must not be what is recorded
        page.evaluate("localStorage.setItem('workbench.user', 'Mallory')")
        page.fill("input[name=name]", "Rémi")
        page.fill("input[name=password]", "wrong password")
        page.keyboard.press("Enter")
        page.wait_for_selector(".message.error")
        assert "wrong account name or password" in page.inner_text(".message.error")
        page.fill("input[name=password]", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_selector("body.ready")
        assert page.url == f"{base}/documents/story"
        assert page.inner_text("#account-name") == "Rémi"
        assert page.locator("#user-name").count() == 0
        assert page.locator(".main-nav >> text=Import").count() == 0  # a reviewer

        page.keyboard.press("c")
        page.wait_for_function("document.querySelectorAll('.row.confirmed').length == 1"
                               " && !document.body.classList.contains('busy')")
        assert db.execute("select user, op from history").fetchall() == [("Rémi", "status")]

        page.click("button.logout")
        page.wait_for_selector("input[name=password]")
        page.goto(f"{base}/documents/story")
        assert "/login" in page.url


def story(db) -> None:
    document_id = store.create_document(
        db, "story", sentences("Le roi est mort.", "Vive le roi."),
        sentences("The king is dead.", "Long live the king."))
    src = store.sentences(db, document_id, store.SOURCE)
    tgt = store.sentences(db, document_id, store.TARGET)
    store.replace_links(db, document_id, [
        {"source_ids": [s["id"]], "target_ids": [t["id"]], "score": 0.5}
        for s, t in zip(src, tgt, strict=True)])


def confirm_first_row(page) -> None:
    page.wait_for_selector("body.ready")
    page.keyboard.press("c")
    page.wait_for_function("document.querySelectorAll('.row.confirmed').length == 1"
                           " && !document.body.classList.contains('busy')")


def test_a_name_outside_latin1_edits_with_login_off(db_path, db, fake_embedder):
    """An HTTP header carries Latin-1 only: the page sends a Cyrillic name in the body."""
    story(db)
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/documents/story")
        page.evaluate("localStorage.setItem('workbench.user', 'Ольга')")
        page.reload()
        confirm_first_row(page)
        assert "error" not in (page.get_attribute("#message", "class") or "")
    assert db.execute("select user, op from history").fetchall() == [("Ольга", "status")]


def test_an_account_outside_latin1_edits_with_login_on(db_path, db, fake_embedder):
    story(db)
    user_store.add(db, "Łukasz", PASSWORD, "reviewer")
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder,
                      "REQUIRE_LOGIN": True})
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/documents/story")
        page.fill("input[name=name]", "Łukasz")
        page.fill("input[name=password]", PASSWORD)
        page.keyboard.press("Enter")
        confirm_first_row(page)
    assert db.execute("select user, op from history").fetchall() == [("Łukasz", "status")]
