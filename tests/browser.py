"""Helpers for the real-browser tests: a live server on loopback and headless Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--no-first-run", "--disable-component-update", "--disable-sync",
]


def require_chromium() -> None:
    """Skip without Chromium on a developer's machine; fail on CI, which must install it."""
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: .ci/run must install it")
    pytest.skip(f"no Chromium at {CHROMIUM}")


@contextmanager
def live_server(app) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def chromium_page(width: int = 1366, height: int = 768, bypass_csp: bool = True):
    """A fresh headless Chromium page at a translator's usual screen size.

    `bypass_csp`: Playwright's `wait_for_function` evaluates its string with `eval`, which
    the workbench's Content-Security-Policy forbids; tests of the policy itself pass False.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height},
                                    bypass_csp=bypass_csp)
            yield page
        finally:
            browser.close()
