"""What runs inside a Dask worker: the model each worker process loads once, and the tasks.

Imported only where Dask is used (it imports `distributed`), by the parent to submit
and by each worker to run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from distributed import WorkerPlugin, get_worker

from workbench.embed import Embedder, EmbedderPair, load_embedder

PLUGIN_NAME = "workbench-embedders"
Task = Any
"""A `PairTask` or an `EvalTask` of `workbench.archive`: it names its `model` and `load_model`."""
Outcome = TypeVar("Outcome")


class Embedders(WorkerPlugin):
    """Each worker process loads a model once, on its first task, and keeps it."""

    name = PLUGIN_NAME

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self.loaded: dict[str, Embedder] = {}

    def setup(self, worker) -> None:
        self.loaded = {}

    def teardown(self, worker) -> None:
        self.loaded = {}

    def embedder(self, model: str, load: Callable[[str], Embedder] = load_embedder) -> Embedder:
        if model not in self.loaded:
            self.loaded[model] = limit_threads(load(model), self.threads)
        return self.loaded[model]


def limit_threads(embedder: Embedder, threads: int) -> Embedder:
    """Matrix-product threads of a model not loaded yet: the worker's share of the cores."""
    if isinstance(embedder, EmbedderPair):
        limit_threads(embedder.first, threads)
        limit_threads(embedder.second, threads)
    elif getattr(embedder, "_model", True) is None and hasattr(embedder, "threads"):
        embedder.threads = threads
    return embedder


def worker_embedder(model: str, load: Callable[[str], Embedder] = load_embedder) -> Embedder:
    """This worker's model (a worker that joined without the plugin loads its own)."""
    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None:
        plugin = Embedders()
        worker.plugins[PLUGIN_NAME] = plugin
    return plugin.embedder(model, load)


def with_worker_embedder(work: Callable[[Task, Embedder], Outcome], task: Task) -> Outcome:
    """The Dask task of `workbench align` and `workbench eval`: `work(task, model)` with this
    worker's model for `task.model` (loaded with `task.load_model`, once per process).

    `work` is the archive's own function (`align_pair_or_failure`, `evaluate_task`),
    passed in rather than imported: the archive imports this module, not the reverse."""
    return work(task, worker_embedder(task.model, task.load_model))
