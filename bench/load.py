"""Many translators editing at once, while imports, `workbench align` and glossary writes run.

Starts a waitress server on loopback (as `workbench serve` does, 8 threads) on a fresh
database, then runs, at the same time:
- CLIENTS clients, each sending EDITS review edits (confirm / unconfirm a row, correct a
  sentence) through the JSON API, without a version number, as a script would;
- web imports of new documents (POST /import.json), one after another;
- the `workbench align` command on a corpus folder whose files change between runs;
- glossary additions (POST /glossary.json).

The server, the imports and `workbench align` use a deterministic hashing embedder instead
of a model, so the benchmark measures the database and the server, not the model. Each edit
names its client and number in the `X-Workbench-User` header; afterwards the history table
tells which acknowledged edits are there (lost: missing; duplicated: recorded twice;
misdirected: applied to another row or sentence).

    python bench/load.py                       # 8 clients x 2,000 edits (issue 12)
    python bench/load.py --clients 4 --edits 200

Targets (issue 12): 0 lost, 0 5xx, 0 lock errors, p99 under 500 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench import store  # noqa: E402
from workbench.segment import Sentence  # noqa: E402
from workbench.status import Status  # noqa: E402

USER_HEADER = "X-Workbench-User"
FRENCH_WORDS = ["maison", "rouge", "ville", "peuple", "commune", "travail", "pain", "terre",
                "mer", "nuit", "jour", "liberté", "ouvrier", "décret", "assemblée", "route"]
ENGLISH_WORDS = ["house", "red", "city", "people", "commune", "work", "bread", "land", "sea",
                 "night", "day", "freedom", "worker", "decree", "assembly", "road"]


class HashingEmbedder:
    """A deterministic stand-in for a model: each word hashes to one dimension."""

    name = "bench-hashing"

    def __init__(self, dimension: int = 128) -> None:
        self.dimension = dimension

    def encode(self, texts):
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                vectors[row, int.from_bytes(digest[:4], "little") % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms


# --- material -----------------------------------------------------------------------


def sentence_pair(k: int, salt: str = "") -> tuple[str, str]:
    """A French sentence and its 'translation' (shared numbers tie them together)."""
    a, b = FRENCH_WORDS[k % 16], FRENCH_WORDS[(k * 7 + 3) % 16]
    c, d = ENGLISH_WORDS[k % 16], ENGLISH_WORDS[(k * 7 + 3) % 16]
    return f"La {a} et le {b} numéro {k}{salt}.", f"The {c} and the {d} number {k}{salt}."


def document_texts(sentences: int, salt: str = "") -> tuple[str, str]:
    pairs = [sentence_pair(k, salt) for k in range(sentences)]
    return " ".join(p[0] for p in pairs), " ".join(p[1] for p in pairs)


def build_database(db_path: Path, documents: int, links: int) -> None:
    """Documents `doc-0`.. of `links` 1-1 rows each."""
    db = store.open_db(db_path)
    for d in range(documents):
        pairs = [sentence_pair(k) for k in range(links)]
        document_id = store.create_document(
            db, f"doc-{d}", [Sentence(p[0], k // 10) for k, p in enumerate(pairs)],
            [Sentence(p[1], k // 10) for k, p in enumerate(pairs)])
        source = store.sentences(db, document_id, store.SOURCE)
        target = store.sentences(db, document_id, store.TARGET)
        store.replace_links(db, document_id, [
            {"source_ids": [s["id"]], "target_ids": [t["id"]], "score": 0.5}
            for s, t in zip(source, target, strict=True)
        ])
    db.close()


def write_corpus(folder: Path, round_number: int, documents: int = 2,
                 sentences: int = 40) -> None:
    """A corpus for `workbench align`; each round changes one sentence of each document."""
    for side in ("fr", "en"):
        (folder / side).mkdir(parents=True, exist_ok=True)
    for d in range(documents):
        french, english = document_texts(sentences)
        french = french.replace(f"numéro {round_number % sentences}.",
                                f"numéro {round_number % sentences} (tour {round_number}).")
        (folder / "fr" / f"corpus-{d}.txt").write_text(french, encoding="utf-8")
        (folder / "en" / f"corpus-{d}.txt").write_text(english, encoding="utf-8")


# --- processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db_path: Path, port: int) -> subprocess.Popen:
    """`workbench serve`'s waitress server (8 threads) with the hashing embedder; its log goes
    to server.log next to the database (a pipe nobody reads would fill up and stall it)."""
    log = open(db_path.with_name("server.log"), "ab")  # noqa: SIM115 (the server keeps it)
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--db", str(db_path)],
        stdout=log, stderr=log, cwd=ROOT,
    )
    log.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(db_path.with_name("server.log").read_text(
                    errors="replace")[-2000:]) from None
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the server did not start within 30 s")


def serve(db_path: str, port: int) -> None:
    from waitress import serve as waitress_serve

    from workbench.web import create_app

    app = create_app({"DATABASE": db_path, "EMBEDDER": HashingEmbedder()})
    waitress_serve(app, host="127.0.0.1", port=port, threads=8, _quiet=True)


def align_command(db_path: Path, corpus: Path) -> subprocess.Popen:
    """The `workbench align` command (its click command, unchanged) with the hashing
    embedder in place of a model."""
    return subprocess.Popen(
        [sys.executable, __file__, "--align-worker", str(corpus), "--db", str(db_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
    )


def run_align_command(corpus: str, db_path: str) -> None:
    from workbench import cli

    cli.load_embedder = lambda model: HashingEmbedder()
    cli.cli.main(["align", "--corpus", corpus, "--db", db_path, "--no-language-check"],
                 prog_name="workbench")


# --- HTTP -----------------------------------------------------------------------------


def request(connection: http.client.HTTPConnection, method: str, path: str,
            body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def json_headers(user: str | None = None) -> dict:
    """A non-browser JSON client: JSON content type, no Origin, a loopback Host."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if user:
        headers[USER_HEADER] = user
    return headers


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- the clients ------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients and writers saw (shared between threads; guarded by `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0
    acknowledged: list[tuple[str, str, int, str]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    server_errors: int = 0
    lock_errors: int = 0
    unreachable: int = 0
    writers: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def answer(self, status: int, body: bytes) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status >= 500 and status != 503:
                self.server_errors += 1
                self.notes.append(body[:300].decode(errors="replace"))
            if status == 503 or b"database is locked" in body:
                self.lock_errors += 1


def document_rows(port: int, name: str) -> tuple[list[int], list[int]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    status, body = request(connection, "GET", f"/documents/{name}/state.json",
                           headers={"Accept": "application/json"})
    connection.close()
    state = json.loads(body)
    links = [pair["id"] for pair in state["pairs"]]
    sentences = [s["id"] for pair in state["pairs"] for s in pair["source"]]
    return links, sentences


def edit_client(port: int, client: int, document: str, edits: int, tally: Tally,
                stop: threading.Event, seed: int) -> None:
    """Sends `edits` edits (fewer if `stop` is set); records what the server acknowledged."""
    rng = random.Random(seed)
    links, sentences = document_rows(port, document)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for number in range(edits):
        if stop.is_set():
            break
        user = f"c{client}-e{number}"
        if rng.random() < 0.8:
            kind, target = "status", rng.choice(links)
            path = f"/documents/{document}/links/{target}/status"
            value = rng.choice([Status.CONFIRMED, Status.AUTO])
            body = {"status": value}
        else:
            kind, target = "text", rng.choice(sentences)
            path = f"/documents/{document}/sentences/{target}/text"
            value = f"Phrase corrigée par {user}."
            body = {"text": value}
        with tally.lock:
            tally.sent += 1
        started = time.perf_counter()
        try:
            status, answer = request(connection, "POST", path, json.dumps(body).encode(),
                                     json_headers(user))
        except (OSError, http.client.HTTPException):
            with tally.lock:
                tally.unreachable += 1
            connection.close()
            time.sleep(0.05)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        elapsed = time.perf_counter() - started
        tally.answer(status, answer)
        with tally.lock:
            tally.latencies.append(elapsed)
            if status == 200:
                tally.acknowledged.append((user, kind, target, value))
    connection.close()


def upload_session(connection: http.client.HTTPConnection) -> tuple[str, str]:
    """A script's upload session: the cookie and the CSRF token a form would carry."""
    connection.request("GET", "/csrf-token.json")
    response = connection.getresponse()
    token = json.loads(response.read())["csrf_token"]
    cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
    return cookie, token


def importer(port: int, tally: Tally, stop: threading.Event) -> None:
    """Imports a new small document through the web page's JSON twin, again and again,
    each waiting for its background job (`?wait=1`), as a script would."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    number = 0
    session = None
    while not stop.is_set():
        french, english = document_texts(30, salt=f"-{number}")
        try:
            session = session or upload_session(connection)
            cookie, token = session
            body, content_type = multipart(
                {"mode": "pair", "name": f"import-{uuid.uuid4().hex[:8]}",
                 "no_language_check": "on", "csrf_token": token},
                {"french": ("fr.txt", french.encode()), "english": ("en.txt", english.encode())})
            status, answer = request(connection, "POST", "/import.json?wait=1", body,
                                     {"Content-Type": content_type, "Cookie": cookie,
                                      "Accept": "application/json"})
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            time.sleep(0.1)
            continue
        tally.answer(status, answer)
        with tally.lock:
            tally.writers[f"import {status}"] += 1
        number += 1
        stop.wait(0.2)
    connection.close()


def glossary_writer(port: int, tally: Tally, stop: threading.Event) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    number = 0
    while not stop.is_set():
        body = json.dumps({"source_term": f"terme {number} {uuid.uuid4().hex[:6]}",
                           "target_term": f"term {number}"}).encode()
        try:
            status, answer = request(connection, "POST", "/glossary.json", body, json_headers())
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            time.sleep(0.1)
            continue
        tally.answer(status, answer)
        with tally.lock:
            tally.writers[f"glossary {status}"] += 1
        number += 1
        stop.wait(0.05)
    connection.close()


def aligner(db_path: Path, corpus: Path, tally: Tally, stop: threading.Event) -> None:
    """Runs `workbench align` on a changing corpus, one run after another."""
    round_number = 0
    while not stop.is_set():
        write_corpus(corpus, round_number)
        process = align_command(db_path, corpus)
        output = process.communicate()[0].decode(errors="replace")
        with tally.lock:
            tally.writers[f"align exit {process.returncode}"] += 1
            if process.returncode != 0:
                if "locked" in output or "busy" in output:
                    tally.lock_errors += 1
                tally.notes.append(output[-300:])
        round_number += 1
        stop.wait(0.2)


# --- checking -----------------------------------------------------------------------------


@dataclass
class Verdict:
    lost: list[str]
    duplicated: list[str]
    misdirected: list[str]
    integrity: str
    unsound_documents: list[str]


def verify(db_path: Path, acknowledged: list[tuple[str, str, int, str]]) -> Verdict:
    """Compare what the server acknowledged with what the database recorded."""
    connection = sqlite3.connect(db_path)
    integrity = connection.execute("pragma integrity_check").fetchone()[0]
    recorded: dict[str, list[tuple[int | None, str]]] = {}
    for user, focus, after in connection.execute(
            "select user, focus_link, after from history where user like 'c%-e%'"):
        recorded.setdefault(user, []).append((focus, after))
    lost, duplicated, misdirected = [], [], []
    for user, kind, target, value in acknowledged:
        entries = recorded.get(user, [])
        if not entries:
            lost.append(user)
            continue
        if len(entries) > 1:
            duplicated.append(user)
        focus, after = entries[0]
        if kind == "status" and focus != target:
            misdirected.append(user)
        if kind == "text" and not any(
            row.get("id") == target and row.get("text") == value
            for region in json.loads(after) if region.get("table") == "sentences"
            for row in region["rows"]
        ):
            misdirected.append(user)
    unsound = []
    documents = connection.execute("select id, name from documents").fetchall()
    for document_id, name in documents:
        for side, column in (("source", 0), ("target", 1)):
            expected = [row[0] for row in connection.execute(
                "select id from sentences where document_id = ? and side = ? order by position",
                [document_id, side])]
            linked = [i for row in connection.execute(
                "select source_ids, target_ids from links where document_id = ? "
                "order by position", [document_id]) for i in json.loads(row[column])]
            if linked != expected:
                unsound.append(f"{name} ({side})")
    connection.close()
    return Verdict(lost, duplicated, misdirected, integrity, unsound)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(clients: int, edits: int, documents: int, links: int, writers: bool,
        folder: Path) -> dict:
    db_path = folder / "load.db"
    build_database(db_path, documents, links)
    port = free_port()
    server = start_server(db_path, port)
    tally, stop, done = Tally(), threading.Event(), threading.Event()
    background = []
    if writers:
        background = [
            threading.Thread(target=importer, args=(port, tally, done)),
            threading.Thread(target=glossary_writer, args=(port, tally, done)),
            threading.Thread(target=aligner, args=(db_path, folder / "corpus", tally, done)),
        ]
    threads = [
        threading.Thread(target=edit_client, args=(
            port, client, f"doc-{client % documents}", edits, tally, stop, client))
        for client in range(clients)
    ]
    started = time.monotonic()
    for thread in background + threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    done.set()
    for thread in background:
        thread.join()
    server.kill()
    server.wait()
    verdict = verify(db_path, tally.acknowledged)
    return {
        "clients": clients, "edits_per_client": edits, "seconds": round(elapsed, 1),
        "edits_sent": tally.sent, "acknowledged": len(tally.acknowledged),
        "lost": len(verdict.lost), "duplicated": len(verdict.duplicated),
        "misdirected": len(verdict.misdirected), "server_errors_5xx": tally.server_errors,
        "lock_errors": tally.lock_errors, "unreachable": tally.unreachable,
        "p50_ms": round(1000 * percentile(tally.latencies, 0.5), 1),
        "p99_ms": round(1000 * percentile(tally.latencies, 0.99), 1),
        "mean_ms": round(1000 * statistics.fmean(tally.latencies), 1)
        if tally.latencies else 0.0,
        "integrity_check": verdict.integrity,
        "load_average": round(os.getloadavg()[0], 1),
        "unsound_documents": verdict.unsound_documents,
        "writers": dict(sorted(tally.writers.items())),
        "statuses": dict(sorted(tally.statuses.items())),
        "notes": tally.notes[:5],
    }


def report(result: dict) -> str:
    writers = ("with imports, `workbench align` and glossary writes" if result["writers"]
               else "edits only")
    lines = [
        f"{result['clients']} clients x {result['edits_per_client']} edits in "
        f"{result['seconds']} s, {writers} (load average {result['load_average']})",
        f"  edits sent        {result['edits_sent']}",
        f"  acknowledged      {result['acknowledged']}",
        f"  lost              {result['lost']}",
        f"  duplicated        {result['duplicated']}",
        f"  misdirected       {result['misdirected']}",
        f"  5xx               {result['server_errors_5xx']}",
        f"  lock errors       {result['lock_errors']}",
        f"  latency p50 / p99 {result['p50_ms']} / {result['p99_ms']} ms",
        f"  integrity_check   {result['integrity_check']}",
        f"  writers           {result['writers']}",
    ]
    if result["unsound_documents"]:
        lines.append(f"  UNSOUND documents {result['unsound_documents']}")
    for note in result["notes"]:
        lines.append(f"  note: {note!r}")
    target_met = (result["lost"] == 0 and result["server_errors_5xx"] == 0
                  and result["lock_errors"] == 0 and result["p99_ms"] < 500
                  and result["duplicated"] == 0 and result["misdirected"] == 0)
    lines.append("  targets (0 lost, 0 5xx, 0 lock errors, p99 < 500 ms): "
                 + ("met" if target_met else "NOT met"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--edits", type=int, default=2000, help="edits per client")
    parser.add_argument("--documents", type=int, default=4,
                        help="documents edited (clients share them)")
    parser.add_argument("--links", type=int, default=200, help="rows per document")
    parser.add_argument("--no-writers", action="store_true",
                        help="edits only: no imports, alignment or glossary writes")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--align-worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db, args.serve)
        return
    if args.align_worker:
        run_align_command(args.align_worker, args.db)
        return
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = run(args.clients, args.edits, args.documents, args.links,
                     not args.no_writers, args.keep)
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = run(args.clients, args.edits, args.documents, args.links,
                         not args.no_writers, Path(folder))
    print(json.dumps(result, indent=2) if args.json else report(result))



if __name__ == "__main__":
    main()
