"""A whole archive: align many document pairs in parallel processes, or on a Dask cluster.

One task per document pair: read, segment, embed, align. Tasks run in worker
processes (`distributed.LocalCluster` on this machine, or the workers of a running
Dask scheduler), which never write the database: each brings back its sentences,
its links and the vectors it embedded, and this process writes them, one
transaction per document, as results arrive. Pairs are submitted as workers free
up, so memory stays bounded whatever the archive's size.

A document already stored whose files changed is read, segmented and embedded by a
worker too, but re-imported here, by the sequential code (`update_stored_document`):
its reviewed links stay anchors exactly as in a sequential run.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import sqlite_utils

from workbench import store
from workbench.align import AlignSettings, Link, align
from workbench.aligning import align_sentences
from workbench.corpus import CorpusError, DocumentPair, InputFile, file_fingerprint
from workbench.embed import Embedder, EmbedderPair, load_embedder, text_key, with_cache
from workbench.evaluate import DocumentResult, GoldDocument, evaluate_document
from workbench.importing import (
    ImportOptions,
    ImportResult,
    check_name,
    import_pairs,
    prepare_side,
    update_stored_document,
    write_document,
)
from workbench.segment import SegmentationError, Sentence
from workbench.store.documents import sentence_count, set_file_fingerprint

EXPECTED_ERRORS = (CorpusError, SegmentationError, store.DocumentExists, OSError)
"""What a pair's files or text can go wrong with; anything else is reported with its type."""
TASKS_PER_THREAD = 2
"""Tasks in flight per worker thread: one running, one waiting, none idle."""

Vectors = dict[str, dict[str, np.ndarray]]
"""Model name -> text key -> vector, as the embedding cache keeps them."""


# --- what travels: tasks and outcomes ---------------------------------------------------


@dataclass(frozen=True)
class PairTask:
    """Everything a worker needs for one pair: the files' bytes travel with it."""

    name: str
    source: InputFile
    target: InputFile
    options: ImportOptions
    settings: AlignSettings
    model: str
    load_model: Callable[[str], Embedder] = load_embedder
    """How a worker loads `model` (once per process), unless it holds it already."""
    known: Vectors = field(default_factory=dict)
    """Cached vectors the parent already has for this pair's texts."""
    cache_path: str | None = None
    """A database on the worker's machine whose vectors it may read (never write)."""


@dataclass
class PairOutcome:
    """A worker's result: the pair segmented and aligned, and the vectors it embedded."""

    name: str
    source: list[Sentence]
    target: list[Sentence]
    links: list[Link]
    vectors: Vectors
    seconds: float

    @property
    def sentences(self) -> int:
        return len(self.source) + len(self.target)


@dataclass(frozen=True)
class PairFailure:
    """A pair that could not be aligned, and why (in words a translator can act on)."""

    name: str
    reason: str


@dataclass
class ArchiveReport:
    results: list[ImportResult] = field(default_factory=list)
    failures: list[PairFailure] = field(default_factory=list)


class TaskCache:
    """A worker's embedding cache: what the parent sent, what a local database holds
    (read only), and what this task embedded, which goes back to the parent."""

    def __init__(self, known: Vectors | None = None,
                 database: sqlite_utils.Database | None = None) -> None:
        self.known = {model: dict(vectors) for model, vectors in (known or {}).items()}
        self.stored = store.SqliteEmbeddingCache(database) if database is not None else None
        self.fresh: Vectors = {}

    def get_vectors(self, model: str, keys) -> dict[str, np.ndarray]:
        here = {**self.known.get(model, {}), **self.fresh.get(model, {})}
        found = {key: here[key] for key in keys if key in here}
        rest = [key for key in keys if key not in found]
        if rest and self.stored is not None:
            found.update(self.stored.get_vectors(model, rest))
        return found

    def put_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        self.fresh.setdefault(model, {}).update(vectors)


def open_read_only(path: str) -> sqlite_utils.Database:
    """The workbench database, for reading only: a worker never writes it."""
    connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True,
                                 check_same_thread=False)
    connection.execute("PRAGMA busy_timeout = 5000")
    return sqlite_utils.Database(connection)


# --- the work of one pair (in a worker, or here) ---------------------------------------


def align_pair(task: PairTask, embedder: Embedder) -> PairOutcome:
    """Read, segment, embed and align one pair. Writes nothing anywhere."""
    started = time.perf_counter()
    check_name(task.name)
    options = task.options
    source = prepare_side(task.source, options.source_lang, options.target_lang, options)
    target = prepare_side(task.target, options.target_lang, options.source_lang, options)
    with contextlib.ExitStack() as stack:
        database = None
        if task.cache_path is not None and Path(task.cache_path).exists():
            database = open_read_only(task.cache_path)
            stack.callback(database.close)
        cache = TaskCache(task.known, database)
        links = align_sentences(source, target, with_cache(embedder, cache), task.settings)
    return PairOutcome(task.name, source, target, links, cache.fresh,
                       time.perf_counter() - started)


def align_pair_or_failure(task: PairTask, embedder: Embedder) -> PairOutcome | PairFailure:
    try:
        return align_pair(task, embedder)
    except EXPECTED_ERRORS as error:
        return PairFailure(task.name, str(error))
    except Exception as error:  # a worker reports, it does not die: the others go on
        return PairFailure(task.name, f"{type(error).__name__}: {error}")


# --- the cluster -----------------------------------------------------------------------


@contextlib.contextmanager
def dask_client(workers: int, scheduler: str | None = None) -> Iterator:
    """A client of the scheduler at `scheduler`, or of a cluster of `workers` processes
    on this machine (one thread each, matrix products single-threaded)."""
    import logging

    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
            threads = None  # a remote machine knows its own cores: one BLAS thread per task
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=logging.ERROR,
            ))
            client = stack.enter_context(Client(cluster))
            threads = max(1, (os.cpu_count() or 1) // workers)
        from workbench.archive_worker import Embedders

        client.register_plugin(Embedders(threads if threads else 1))
        yield client


def run_unordered(client, function: Callable, items: Iterable, window: int,
                  ) -> Iterator[tuple[object, object]]:
    """(item, result or exception) as tasks finish; at most `window` in flight, so that a
    huge archive never sits in memory, here or on the scheduler."""
    from distributed import as_completed

    items = iter(items)
    pending: dict = {}
    finished = as_completed()

    def submit_next() -> None:
        for item in items:
            future = client.submit(function, item, pure=False)
            pending[future] = item
            finished.add(future)
            return

    for _ in range(max(1, window)):
        submit_next()
    for future in finished:
        item = pending.pop(future)
        try:
            result = future.result()
        except Exception as error:  # a worker died (KilledWorker), or the task could not run
            result = error
        future.release()
        submit_next()
        yield item, result


def window_size(client) -> int:
    return TASKS_PER_THREAD * max(1, sum(client.nthreads().values()))


# --- the parent: plan, submit, write -----------------------------------------------------


@dataclass
class Progress:
    """What the progress bar shows: documents done and sentences aligned so far."""

    documents: int = 0
    sentences: int = 0
    started: float = field(default_factory=time.perf_counter)

    @property
    def sentences_per_second(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.sentences / elapsed if elapsed > 0 else 0.0


def align_archive(
    db: sqlite_utils.Database,
    pairs: list[DocumentPair],
    model: str,
    settings: AlignSettings | None = None,
    *,
    options: ImportOptions | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    db_path: str | None = None,
    load_model: Callable[[str], Embedder] = load_embedder,
    embedder: Embedder | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ArchiveReport:
    """Import and align every pair, `workers` at a time (or on `scheduler`'s workers).

    Unchanged pairs are skipped as by `import_pairs`. With one worker and no
    scheduler, pairs run here, one after another, exactly as `import_pairs` runs
    them. A pair that fails is reported in the result and the others go on.
    `embedder` is this process's model (for the in-process run and the re-import of
    stored documents); else it is `load_model(model)`, as on each worker.
    """
    run = _ArchiveRun(db, model, settings or AlignSettings(), options or ImportOptions(),
                      load_model, embedder, progress)
    to_do = run.plan(pairs)
    if to_do and scheduler is None and (workers <= 1 or len(to_do) < 2):
        run.align_here(to_do)
    elif to_do:
        local_cache = (None if scheduler or not db_path or db_path == ":memory:"
                       else str(Path(db_path).resolve()))
        run.align_on_cluster(to_do, min(workers, len(to_do)), scheduler, local_cache)
    order = {pair.name: index for index, pair in enumerate(pairs)}
    run.report.results.sort(key=lambda result: order[result.name])
    run.report.failures.sort(key=lambda failure: order[failure.name])
    return run.report


class _ArchiveRun:
    """One `align_archive` call: what it was given, what it found, how far it is."""

    def __init__(self, db, model, settings, options, load_model, embedder, progress) -> None:
        self.db, self.model, self.settings, self.options = db, model, settings, options
        self.load_model = load_model
        self.parent = _Lazy(lambda: embedder or load_model(model))
        self.progress = progress
        self.state = Progress()
        self.report = ArchiveReport()

    def done(self, result: ImportResult | None = None, sentences: int = 0,
             failure: PairFailure | None = None) -> None:
        if result is not None:
            self.report.results.append(result)
        if failure is not None:
            self.report.failures.append(failure)
        self.state.documents += 1
        self.state.sentences += sentences
        if self.progress:
            self.progress(self.state)

    def plan(self, pairs: list[DocumentPair]) -> list[tuple[DocumentPair, dict | None]]:
        """The pairs to align, each with its stored document if any; unchanged ones are
        done already. Files are read one at a time and not kept."""
        to_do = []
        for pair in pairs:
            try:
                source, target = _read_pair(pair, self.options)
            except EXPECTED_ERRORS as error:
                self.done(failure=PairFailure(pair.name, str(error)))
                continue
            existing = store.get_document(self.db, pair.name)
            if existing is not None and \
                    existing.get("file_fingerprint") == file_fingerprint(source, target):
                links = len(store.links(self.db, existing["id"]))
                self.done(ImportResult(pair.name, existing["id"], links, False))
            else:
                to_do.append((pair, existing))
        return to_do

    def align_here(self, to_do) -> None:
        """One pair after another in this process: the sequential code itself."""
        for pair, _ in to_do:
            try:
                result = import_pairs(self.db, [pair], self.parent.get(), self.settings,
                                      options=self.options)[0]
            except EXPECTED_ERRORS as error:
                self.done(failure=PairFailure(pair.name, str(error)))
                continue
            self.done(result, sentence_count(self.db, result.document_id))

    def align_on_cluster(self, to_do, workers: int, scheduler: str | None,
                         local_cache: str | None) -> None:
        from workbench.archive_worker import with_worker_embedder

        pairs = {pair.name: pair for pair, _ in to_do}

        def tasks() -> Iterator[PairTask]:
            for pair, existing in to_do:
                try:
                    files = _read_pair(pair, self.options)
                except EXPECTED_ERRORS as error:  # changed or removed since it was planned
                    self.done(failure=PairFailure(pair.name, str(error)))
                    continue
                known = {}
                if local_cache is None and existing is not None:
                    known = stored_vectors(self.db, existing["id"], self.parent.get(),
                                           self.settings)
                yield PairTask(pair.name, *files, self.options, self.settings, self.model,
                               self.load_model, known=known, cache_path=local_cache)

        with dask_client(workers, scheduler) as client:
            for task, outcome in run_unordered(
                    client, partial(with_worker_embedder, align_pair_or_failure), tasks(),
                    window_size(client)):
                if isinstance(outcome, BaseException):
                    outcome = PairFailure(task.name, f"{type(outcome).__name__}: {outcome}")
                if isinstance(outcome, PairFailure):
                    self.done(failure=outcome)
                    continue
                try:
                    result = write_outcome(self.db, pairs[task.name], task, outcome,
                                           self.parent, self.settings)
                except EXPECTED_ERRORS as error:
                    self.done(failure=PairFailure(task.name, str(error)))
                    continue
                self.done(result, outcome.sentences)


def write_outcome(db: sqlite_utils.Database, pair: DocumentPair, task: PairTask,
                  outcome: PairOutcome, parent: _Lazy, settings: AlignSettings) -> ImportResult:
    """Store a worker's result. A new document: its vectors, sentences and links in one
    transaction. A stored one: its vectors, then the sequential re-import."""
    cache = store.SqliteEmbeddingCache(db)
    fingerprint = file_fingerprint(task.source, task.target)  # of the bytes aligned
    existing = store.get_document(db, pair.name)
    if existing is None:
        with db.atomic():
            for model, vectors in outcome.vectors.items():
                cache.put_vectors(model, vectors)
            document_id = write_document(
                db, pair.name, outcome.source, outcome.target, outcome.links,
                source_lang=task.options.source_lang, target_lang=task.options.target_lang,
                source_path=task.source.filename, target_path=task.target.filename,
            )
            set_file_fingerprint(db, document_id, fingerprint)
        return ImportResult(pair.name, document_id, len(outcome.links), True)
    with db.atomic():
        for model, vectors in outcome.vectors.items():
            cache.put_vectors(model, vectors)
    result = update_stored_document(db, pair, existing, outcome.source, outcome.target,
                                    parent.get(), settings)
    set_file_fingerprint(db, existing["id"], fingerprint)
    return result


def stored_vectors(db: sqlite_utils.Database, document_id: int, embedder: Embedder,
                   settings: AlignSettings) -> Vectors:
    """The cached vectors of a stored document's sentences and groups of them: what a remote
    worker re-aligning it would otherwise embed again."""
    sides = [[row["text"] for row in store.sentences(db, document_id, side)]
             for side in (store.SOURCE, store.TARGET)]
    return known_vectors(db, embedder, [text for side in sides for text in
                                        group_texts(side, settings.max_link_size)])


def group_texts(sentences: list[str], largest: int) -> list[str]:
    """Every sentence and every group of up to `largest` consecutive ones, as embedded."""
    return [" ".join(sentences[start:start + size]) for size in range(1, largest + 1)
            for start in range(len(sentences) - size + 1)]


def known_vectors(db: sqlite_utils.Database, embedder: Embedder, texts: list[str]) -> Vectors:
    cache = store.SqliteEmbeddingCache(db)
    keys = sorted({text_key(text) for text in texts})
    found = {name: cache.get_vectors(name, keys) for name in model_names(embedder)}
    return {name: vectors for name, vectors in found.items() if vectors}


def model_names(embedder: Embedder) -> list[str]:
    if isinstance(embedder, EmbedderPair):
        return model_names(embedder.first) + model_names(embedder.second)
    return [embedder.name]


class _Lazy:
    """A value made on first use (the parent's model: often never needed)."""

    def __init__(self, make: Callable) -> None:
        self._make = make
        self._value = None

    def get(self):
        if self._value is None:
            self._value = self._make()
        return self._value


def _read_pair(pair: DocumentPair, options: ImportOptions) -> tuple[InputFile, InputFile]:
    return (InputFile.from_path(pair.source_path, options.max_bytes),
            InputFile.from_path(pair.target_path, options.max_bytes))


# --- evaluation on gold documents, in parallel ------------------------------------------


@dataclass(frozen=True)
class EvalTask:
    """One gold document to align and score; its sentences travel with it."""

    document: GoldDocument
    settings: AlignSettings
    model: str
    load_model: Callable[[str], Embedder] = load_embedder
    known: Vectors = field(default_factory=dict)


@dataclass
class EvalOutcome:
    result: DocumentResult
    vectors: Vectors
    computed: int
    """Texts the task embedded (not in the vectors it was sent)."""


def evaluate_task(task: EvalTask, embedder: Embedder) -> EvalOutcome:
    """Align one gold document with the given sentences and score it. Writes nothing."""
    cache = TaskCache(task.known)
    cached = with_cache(embedder, cache)
    result = evaluate_document(task.document, lambda document: align(
        document.source, document.target, cached, task.settings,
        source_paragraphs=document.source_paragraphs,
        target_paragraphs=document.target_paragraphs))
    return EvalOutcome(result, cache.fresh, getattr(cached, "computed", 0))


def evaluate_documents(
    documents: list[GoldDocument],
    model: str,
    settings: AlignSettings,
    *,
    workers: int,
    scheduler: str | None = None,
    load_model: Callable[[str], Embedder] = load_embedder,
    cache_db: sqlite_utils.Database | None = None,
    progress: Callable[[], None] | None = None,
) -> tuple[list[DocumentResult], int]:
    """Each document's scores (in the given order) and the texts embedded, the documents
    aligned `workers` at a time or on `scheduler`'s workers. `cache_db` (optional) gives
    the vectors it holds and keeps the new ones."""
    names = model_names(load_model(model)) if cache_db is not None else []

    def tasks() -> Iterator[EvalTask]:
        for document in documents:
            known = {}
            if cache_db is not None:
                texts = [text for side in (document.source, document.target)
                         for text in group_texts(side, settings.max_link_size)]
                keys = sorted({text_key(text) for text in texts})
                cache = store.SqliteEmbeddingCache(cache_db)
                known = {name: cache.get_vectors(name, keys) for name in names}
            yield EvalTask(document, settings, model, load_model, known)

    from workbench.archive_worker import with_worker_embedder

    results: dict[str, DocumentResult] = {}
    computed = 0
    with dask_client(min(workers, max(1, len(documents))), scheduler) as client:
        for task, outcome in run_unordered(
                client, partial(with_worker_embedder, evaluate_task), tasks(),
                window_size(client)):
            if isinstance(outcome, BaseException):
                raise outcome
            if cache_db is not None:
                with cache_db.atomic():
                    for name, vectors in outcome.vectors.items():
                        store.SqliteEmbeddingCache(cache_db).put_vectors(name, vectors)
            results[task.document.name] = outcome.result
            computed += outcome.computed
            if progress:
                progress()
    return [results[document.name] for document in documents], computed
