"""Time to align the development gold with a cold and a warm embedding cache.

    python bench/speed.py               # every set
    python bench/speed.py --set textberg-dev

Cold: an empty SQLite cache, so every sentence and every multi-sentence window
the search asks for is embedded. Warm: the same run again on the filled cache.
Gale–Church (lengths only, no model) runs in the same process as a yardstick;
"texts embedded" shows how many windows the lazy window embedding saved
compared with embedding every window of 1–5 sentences, as Bertalign does.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _gold import cached_embedder, gale_church_aligner, skip_without_gold, workbench_aligner

from workbench.align import AlignSettings
from workbench.evaluate import evaluate_document, total_counts


def timed(documents, aligner) -> tuple[float, float]:
    started = time.perf_counter()
    results = [evaluate_document(document, aligner) for document in documents]
    return time.perf_counter() - started, total_counts(results).scores()["strict"].f1


def all_windows(documents, largest: int = 4) -> int:
    """Texts Bertalign would embed: every window of 1..largest sentences on both sides."""
    return sum(
        max(0, len(side) - size + 1)
        for document in documents for side in (document.source, document.target)
        for size in range(1, largest + 1)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--set", dest="only", help="only this set (e.g. textberg-dev)")
    args = parser.parse_args()
    sets = skip_without_gold()
    if args.only:
        sets = {args.only: sets[args.only]}
    print(f"{'set':<14} {'run':<24} {'seconds':>8} {'strict F1':>9} {'texts embedded':>15}")
    for name, documents in sets.items():
        sentences = sum(len(d.source) + len(d.target) for d in documents)
        for label, settings in (("", AlignSettings()),
                                (" (sums only)", AlignSettings(embed_windows=False))):
            with tempfile.TemporaryDirectory() as folder:
                cache = str(Path(folder) / "cache.db")
                embedder = cached_embedder(args.model, cache)
                cold, f1 = timed(documents, workbench_aligner(embedder, settings))
                embedded = embedder.computed
                warm_embedder = cached_embedder(args.model, cache)
                warm, _ = timed(documents, workbench_aligner(warm_embedder, settings))
            print(f"{name:<14} {'cold cache' + label:<24} {cold:>8.1f} {f1:>9.4f} {embedded:>15}")
            print(f"{name:<14} {'warm cache' + label:<24} {warm:>8.1f} {f1:>9.4f} "
                  f"{warm_embedder.computed:>15}")
        peer, peer_f1 = timed(documents, gale_church_aligner())
        print(f"{name:<14} {'Gale–Church':<24} {peer:>8.1f} {peer_f1:>9.4f} {0:>15}")
        print(f"{name:<14} {sentences} sentences; embedding every 1–4 sentence window would "
              f"mean {all_windows(documents)} texts")


if __name__ == "__main__":
    main()
