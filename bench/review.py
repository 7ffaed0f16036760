"""How the alignment editor holds up on a long document (5,000 pairs by default).

Prints, for a synthetic document:
- the server time of each kind of edit (median and worst, through the JSON API);
- the server time of the editor page, its state and the overview map;
- in headless Chromium (when installed): first contentful paint, the moment the first
  screen of rows is drawn, the moment every row is in the page, and for an edit (merge,
  undo) the time from the key press to the rows patched, of which the HTTP request. The
  benchmark's server runs in a thread of this process, which slows its requests down.

    python bench/review.py [--pairs 5000] [--repeat 20]

Targets from issue #4: first paint under 1 s, each edit under 150 ms of server time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench import store  # noqa: E402
from workbench.embed import text_key  # noqa: E402
from workbench.segment import Sentence  # noqa: E402
from workbench.web import create_app  # noqa: E402

WORDS = [
    "roi", "peuple", "ville", "guerre", "paix", "loi", "travail", "pain", "terre", "mer", "ciel",
    "nuit", "jour", "main", "coeur", "assemblée", "commune", "décret", "liberté", "ouvrier",
]


class RandomVectors:
    """Stands for a model in the benchmark: only its name is used (vectors are pre-cached)."""

    name = "bench-random"

    def encode(self, texts):
        raise RuntimeError("the benchmark never embeds")


def build(db_path: Path, pairs: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    db = store.open_db(db_path)
    source, target = [], []
    for i in range(pairs):
        words = " ".join(rng.choice(WORDS, size=int(rng.integers(8, 25))))
        source.append(Sentence(f"Phrase {i + 1} : {words}.", i // 6))
        target.append(Sentence(f"Sentence {i + 1}: {words}.", i // 6))
    document_id = store.create_document(db, "long", source, target)
    src = store.sentences(db, document_id, store.SOURCE)
    tgt = store.sentences(db, document_id, store.TARGET)
    store.replace_links(db, document_id, [
        {"source_ids": [s["id"]], "target_ids": [t["id"]], "score": float(rng.uniform(0.2, 1))}
        for s, t in zip(src, tgt, strict=True)
    ])
    vectors = rng.normal(size=(2 * pairs, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [s.text for s in source] + [t.text for t in target]
    store.SqliteEmbeddingCache(db).put_vectors(
        RandomVectors.name, {text_key(t): v for t, v in zip(texts, vectors, strict=True)})
    db.close()


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def report(label: str, samples: list[float]) -> None:
    print(f"  {label:<28} median {statistics.median(samples):7.1f} ms   "
          f"worst {max(samples):7.1f} ms   (n={len(samples)})")


def bench_edits(app, repeat: int) -> dict[str, list[float]]:
    client = app.test_client()
    db = store.open_db(app.config["DATABASE"])
    document_id = store.get_document(db, "long")["id"]
    results: dict[str, list[float]] = {}

    def version():
        return store.get_document(db, "long")["version"]

    def link(position):
        return db.execute(
            "select id from links where document_id = ? and position = ?",
            [document_id, position]).fetchone()[0]

    def sentence(side, position):
        return db.execute(
            "select id from sentences where document_id = ? and side = ? and position = ?",
            [document_id, side, position]).fetchone()[0]

    def post(path, **body):
        answer = client.post(f"/documents/long{path}", json={"version": version(), **body},
                             headers={"X-Workbench-User": "bench"})
        assert answer.status_code == 200, answer.get_json()

    near_top = 10  # worst case for renumbering: nearly every row after the edit moves
    cases = {
        "confirm": lambda: post(f"/links/{link(near_top)}/status", status="confirmed"),
        "merge": lambda: post(f"/links/{link(near_top)}/merge", direction="down"),
        "split row": lambda: post(f"/links/{link(near_top)}/split"),
        "shift sentence": lambda: post(f"/links/{link(near_top)}/shift", side="target",
                                       direction="down"),
        "insert empty": lambda: post(f"/links/{link(near_top)}/insert-empty", side="source"),
        "edit text": lambda: post(f"/sentences/{sentence('source', near_top)}/text",
                                  text="Une phrase corrigée."),
        "split sentence": lambda: post(f"/sentences/{sentence('source', near_top)}/split",
                                       offset=6),
    }
    for _ in range(repeat):
        for name, call in cases.items():
            if name in ("split row", "insert empty"):
                continue
            results.setdefault(name, []).append(timed(call))
            if name == "merge":
                results.setdefault("undo", []).append(timed(lambda: post("/undo")))
                results.setdefault("redo", []).append(timed(lambda: post("/redo")))
            post("/undo")  # keep the document as it was
        # a split needs a merged row, an empty counterpart a full one: do them in pairs
        post(f"/links/{link(near_top)}/merge", direction="down")
        results.setdefault("split row", []).append(timed(cases["split row"]))
        results.setdefault("insert empty", []).append(timed(cases["insert empty"]))
        post("/undo")
        post("/undo")
        post("/undo")
    last = db.execute("select max(position) from links where document_id = ?",
                      [document_id]).fetchone()[0]
    results["confirm all above, last row"] = [
        timed(lambda: post(f"/links/{link(last)}/confirm-through"))]
    post("/undo")
    db.close()
    return results


def bench_pages(app, repeat: int) -> dict[str, list[float]]:
    client = app.test_client()
    return {
        "editor page (HTML)": [timed(lambda: client.get("/documents/long")) for _ in range(repeat)],
        "state.json": [timed(lambda: client.get("/documents/long/state.json"))
                       for _ in range(repeat)],
        "overview map (map.json)": [timed(lambda: client.get("/documents/long/map.json"))
                                    for _ in range(max(3, repeat // 4))],
    }


def bench_browser(app, loads: int) -> dict[str, list[float]] | None:
    try:
        from playwright.sync_api import sync_playwright

        from tests.browser import CHROMIUM, CHROMIUM_ARGS, live_server
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    results: dict[str, list[float]] = {}
    with live_server(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{base}/documents/long")  # warm the server's caches once
        page.wait_for_selector("body.ready")
        for _ in range(loads):
            page.goto(f"{base}/documents/long")
            page.wait_for_selector("body.ready")
            marks = page.evaluate("""() => ({
                response: performance.getEntriesByType('navigation')[0].responseEnd,
                paint: performance.getEntriesByName('first-contentful-paint')[0].startTime,
                rows: performance.getEntriesByName('rows-rendered')[0].startTime,
                all: performance.getEntriesByName('all-rows-rendered')[0].startTime})""")
            for key, label in (("response", "HTML received"), ("paint", "first contentful paint"),
                               ("rows", "first rows drawn"), ("all", "all rows in the page")):
                results.setdefault(label, []).append(marks[key])
        # in the page: from the key press to the rows patched, and the request alone
        page.evaluate("""() => {
            window.benchLog = []; window.benchFetch = [];
            document.addEventListener('keydown', () => { window.benchKey = performance.now(); },
                                      true);
            new MutationObserver(() => {
                if (window.benchKey && !document.body.classList.contains('busy')) {
                    window.benchLog.push(performance.now() - window.benchKey);
                    window.benchKey = 0;
                }
            }).observe(document.body, {attributes: true});
            const fetch = window.fetch;
            window.fetch = function (...args) {
                const start = performance.now();
                return fetch.apply(this, args).then((answer) => {
                    window.benchFetch.push(performance.now() - start); return answer; });
            };
        }""")
        for _ in range(loads):
            for key in ("m", "Control+z"):
                page.keyboard.press(key)
                page.wait_for_function("!document.body.classList.contains('busy')")
        results["edit: key to rows patched"] = page.evaluate("window.benchLog")
        results["edit: its HTTP request"] = page.evaluate("window.benchFetch")
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        build(db_path, args.pairs)
        app = create_app({"DATABASE": str(db_path), "EMBEDDER": RandomVectors()})
        print(f"Alignment editor on a {args.pairs}-pair document")
        print("Server time per edit (Flask test client, JSON answer included):")
        for label, samples in bench_edits(app, args.repeat).items():
            report(label, samples)
        print("Server time per page:")
        for label, samples in bench_pages(app, args.repeat).items():
            report(label, samples)
        browser = bench_browser(app, max(3, args.repeat // 4))
        if browser is None:
            print("Chromium or Playwright missing: page timings skipped.")
            return
        print("Headless Chromium, 1366×768, ms after navigation start:")
        for label, samples in browser.items():
            report(label, samples)


if __name__ == "__main__":
    main()
