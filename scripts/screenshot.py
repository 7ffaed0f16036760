"""Take the README's screenshot: the editor on a document of the bundled corpus.

    workbench align --db /tmp/shot.db
    .venv/bin/python scripts/screenshot.py --db /tmp/shot.db

Serves the database on a free loopback port in this process, opens the document in headless
Chromium at a laptop's screen size and saves a PNG (docs/img/editor.png by default).
"""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from workbench.web import create_app

CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="an aligned database")
    parser.add_argument("--document", default="commune-de-paris")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1]
                                             / "docs" / "img" / "editor.png"))
    parser.add_argument("--confirm", type=int, default=4,
                        help="rows to confirm first, so that the picture shows the statuses")
    arguments = parser.parse_args()

    app = create_app({"DATABASE": arguments.db})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            # bypass_csp: wait_for_function evaluates a string, which the page's policy forbids
            page = browser.new_page(viewport={"width": 1366, "height": 768}, bypass_csp=True)
            page.goto(f"http://127.0.0.1:{server.server_port}/documents/{arguments.document}")
            page.wait_for_selector("body.ready", timeout=30000)
            page.locator(".row").first.click()
            for _ in range(arguments.confirm):
                page.keyboard.press("c")
                page.wait_for_function("!document.body.classList.contains('busy')")
            page.wait_for_timeout(500)
            page.screenshot(path=arguments.out)
            browser.close()
    finally:
        server.shutdown()
    print(f"wrote {arguments.out}")


if __name__ == "__main__":
    main()
