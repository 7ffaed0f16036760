"""In real Chromium: a page on another loopback origin tries every write the probe of issue
12 made succeed; all are refused and the database is unchanged. And the workbench's own
pages still write, under their Content-Security-Policy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from tests.browser import chromium_page, live_server
from tests.test_security import snapshot
from workbench import store
from workbench.status import Status
from workbench.store import glossary as glossary_store
from workbench.web import create_app

pytestmark = pytest.mark.browser

ATTACK = """<!doctype html><html><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe>
<form id="add" method="post" action="{target}/glossary" target="sink1">
  <input name="source_term" value="pwned"><input name="target_term" value="pwned"></form>
<form id="delete" method="post" action="{target}/glossary/{entry}/delete" target="sink2"></form>
<script>
window.attack = async function () {{
  const target = "{target}";
  const results = {{}};
  const send = async (name, url, init) => {{
    try {{ await fetch(url, init); results[name] = "sent"; }}
    catch (error) {{ results[name] = "blocked: " + error; }}
  }};
  await send("text/plain merge", target + "/documents/sample/links/{link}/merge",
             {{method: "POST", mode: "no-cors", headers: {{"Content-Type": "text/plain"}},
               body: '{{"direction": "down"}}'}});
  await send("body-less confirm", target + "/documents/sample/links/{last}/confirm-through",
             {{method: "POST", mode: "no-cors"}});
  const upload = new FormData();
  upload.append("french", new Blob(["Le roi."]), "sample.txt");
  upload.append("english", new Blob(["The king."]), "sample-en.txt");
  upload.append("name", "sample");
  upload.append("replace", "on");
  upload.append("no_language_check", "on");
  await send("multipart import", target + "/import.json",
             {{method: "POST", mode: "no-cors", body: upload}});
  await send("json fetch", target + "/documents/sample/links/{link}/status",
             {{method: "POST", headers: {{"Content-Type": "application/json"}},
               body: '{{"status": "confirmed"}}'}});
  await send("json fetch, credentials", target + "/glossary.json",
             {{method: "POST", credentials: "include",
               headers: {{"Content-Type": "application/json"}},
               body: '{{"source_term": "pwned", "target_term": "pwned"}}'}});
  const loaded = (frame) => new Promise((done) => {{
    frame.addEventListener("load", done, {{once: true}}); setTimeout(done, 3000); }});
  const frames = [...document.querySelectorAll("iframe")].map(loaded);
  document.getElementById("add").submit();
  document.getElementById("delete").submit();
  await Promise.all(frames);
  return results;
}};
</script></body></html>"""


class RequestLog:
    """WSGI middleware: what reached the workbench, and its answer."""

    def __init__(self, app) -> None:
        self.app, self.seen = app, []

    def __call__(self, environ, start_response):
        def record(status, headers, *rest):
            self.seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"],
                              int(status.split()[0])))
            return start_response(status, headers, *rest)

        return self.app(environ, record)


@contextmanager
def attack_server(host: str, page: str) -> Iterator[str]:
    def serve(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page.encode()]

    server = make_server(host, 0, serve, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def target_app(db_path, db, sample_document, fake_embedder):
    glossary_store.add(db, "roi", "king", "", source_lang="fr", target_lang="en")
    app = create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder,
                      "TERMS_EMBEDDER": False})
    return RequestLog(app)


@pytest.mark.parametrize("attacker_host", ["127.0.0.2", "127.0.0.1"],
                         ids=["cross-site", "same-site-other-port"])
def test_an_attack_page_on_another_origin_changes_nothing(target_app, db, db_path,
                                                          sample_document, attacker_host):
    links = [p["id"] for p in store.pairs(db, sample_document)]
    entry = glossary_store.entries(db)[0]["id"]
    before = snapshot(db_path)
    with live_server(target_app) as target, chromium_page(bypass_csp=False) as page:
        # the victim has the workbench open: a session cookie exists
        page.goto(f"{target}/glossary")
        html = ATTACK.format(target=target, link=links[0], last=links[-1], entry=entry)
        with attack_server(attacker_host, html) as attacker:
            page.goto(f"{attacker}/")
            results = page.evaluate("window.attack()")
            page.wait_for_timeout(300)
    assert snapshot(db_path) == before, results
    writes = [(m, p, s) for m, p, s in target_app.seen if m == "POST"]
    refused = {p: s for _, p, s in writes}
    # every simple request reached the server and was refused there
    for path in (f"/documents/sample/links/{links[0]}/merge",
                 f"/documents/sample/links/{links[-1]}/confirm-through",
                 "/import.json", "/glossary", f"/glossary/{entry}/delete"):
        assert path in refused and refused[path] in (400, 403, 415), (path, writes)
    # the JSON fetches need a CORS preflight that the workbench never grants
    assert all(400 <= status < 500 for _, _, status in writes), writes


def test_the_workbench_pages_still_write_under_their_csp(target_app, db, sample_document):
    problems = []
    with live_server(target_app) as base, chromium_page(bypass_csp=False) as page:
        page.on("console", lambda message: problems.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.goto(f"{base}/documents/sample")
        page.wait_for_selector(".row")
        page.locator(".row").first.click()
        page.keyboard.press("c")
        page.wait_for_selector(".row.confirmed")
        page.goto(f"{base}/glossary")
        page.fill(".glossary-new input[name=source_term]", "reine")
        page.fill(".glossary-new input[name=target_term]", "queen")
        page.click(".glossary-new button[type=submit]")
        page.wait_for_selector("text=Added: reine → queen.")
    assert not problems, problems
    assert [p["status"] for p in store.pairs(db, sample_document)][0] == Status.CONFIRMED
    assert "reine" in [e["source_term"] for e in glossary_store.entries(db)]
