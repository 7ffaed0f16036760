"""Issue 13, review: edges, a re-align that changes nothing, and the page's cosmetics, in
real headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser import chromium_page, live_server
from tests.conftest import sentences
from tests.test_browser_review import act, current_row, open_editor, row_count, story, texts  # noqa: F401
from workbench import review, store
from workbench.web import create_app

pytestmark = pytest.mark.browser


def test_shift_up_on_the_first_row_is_refused_and_the_page_says_so(app, story):  # noqa: F811
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        before = texts(page, "target")
        for key in ("Control+ArrowUp", "Shift+M"):
            act(page, key)
            assert "no row above" in page.inner_text("#message")
            assert row_count(page) == 6 and texts(page, "target") == before
        page.keyboard.press("End")
        page.keyboard.press("ArrowRight")
        for key in ("Control+ArrowDown", "m"):
            act(page, key)
            assert "no row below" in page.inner_text("#message")
            assert row_count(page) == 6 and texts(page, "target") == before


def test_a_realign_that_changes_nothing_keeps_the_selection(db_path, db, fake_embedder):
    words = ["le chat dort", "le chien court", "la pluie tombe", "le vent souffle"]
    document_id = store.create_document(db, "story", sentences(*words), sentences(*words))
    review.realign(db, document_id, fake_embedder)
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        assert page.locator("#undo-button").is_enabled()
        act(page, "c")  # confirm row 1, go to row 2
        act(page, "j")
        assert current_row(page) == 3
        act(page, "Shift+R")
        assert "nothing changed" in page.inner_text("#message")
        assert current_row(page) == 3
    assert len(review.history(db, document_id)) == 2


def test_the_message_never_moves_the_toolbar(app, story):  # noqa: F811
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        top = page.locator(".toolbar").bounding_box()["y"]
        long = ("This document was changed by someone else (version 12, your page shows "
                "version 11). Your edit was not applied: reload to see the latest pairs. ") * 3
        page.evaluate("""text => {
            const m = document.getElementById('message');
            m.textContent = text; m.classList.add('error'); }""", long)
        assert page.locator(".toolbar").bounding_box()["y"] == top
        page.evaluate("document.getElementById('message').textContent = ''")
        assert page.locator(".toolbar").bounding_box()["y"] == top


def test_the_favicon_is_served(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.mimetype == "image/svg+xml"
    assert b"<svg" in answer.data
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_a_lone_english_sentence_is_visible_in_the_map_strip(db_path, make_document):
    """0-1 rows were 1 px tall in the strip: the map scales by French sentences."""
    french = ["Un."] + ["Deux."] * 200
    english = ["One.", "Extra caption."] + ["Two."] * 200
    make_document("story", french, english, [((0,), (0,), 0.9), ((), (1,), 0.0)] + [
        ((i,), (i + 1,), 0.9) for i in range(1, len(french))])
    app = create_app({"TESTING": True, "DATABASE": str(db_path)})
    with live_server(app) as base, chromium_page() as page:
        open_editor(page, base)
        page.wait_for_timeout(200)
        # the strip is the canvas' first 10 px; the lone row is the only red (low) one
        red_lines = page.evaluate("""() => {
            const canvas = document.getElementById('map');
            const ctx = canvas.getContext('2d');
            const data = ctx.getImageData(2, 0, 1, canvas.height).data;
            let red = 0;
            for (let y = 0; y < canvas.height; y++) {
                const [r, g, b] = data.slice(4 * y, 4 * y + 3);
                if (r > 180 && g < 90 && b < 90) red++;
            }
            return red / (window.devicePixelRatio || 1);
        }""")
        assert red_lines >= 3
