"""Where do the simulated translator's hand-set links go? A breakdown of `hand_set`.

Runs the simulated review (`workbench.simulate`, unchanged: the product's own loop) on a
gold set and classifies each gold link it sets by hand, from what the review looked like
just before:

- `undone`: a leftover row of the previous `set_links` was already this gold link, and the
  re-alignment after it un-did it;
- `follow-up`: not the first link set in this look (the wrong row covered several gold links)
  and the re-alignment after the previous one did not produce it;
- `beside-anchor`: the first link of a look whose wrong row touches a reviewed row: the
  re-alignment had that anchor and still got the row wrong;
- `isolated`: the first link of a look whose wrong row touches no reviewed row.

Each is split by where the wrong row came from (`initial` alignment, a `leftover` of
set_links, or a row the `realign` created) and by the shapes involved (a gold 1-0/0-1
omission, a wrong row that is a 1-0/0-1, merges, plain 1-1).

    python bench/handset.py [GOLD_SET ...] [--cache FILE] [--json] [--order reverse]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from _gold import GOLD, cached_embedder, gold_sets  # noqa: I001

from workbench import review, simulate, store
from workbench.evaluate import count_links
from workbench.status import Status
from workbench.vector_memo import VectorMemo


def _shape(source, target) -> str:
    if not source or not target:
        return "omission"
    if len(source) > 1 or len(target) > 1:
        return "merge"
    return "1-1"


class Recorder:
    """Wraps the review operations simulate.py calls, to see each hand-set link's context."""

    def __init__(self) -> None:
        self.records: list[dict] = []
        self.looked: dict | None = None
        self.looked_rows: list[dict] = []
        self.look_count = 0
        self.hand_set_in_look = 0
        self.before_realign: set = set()
        self.last_correction_look = -1
        self.origin: dict[int, str] = {}
        self.gold: set = set()
        self.repaired = 0
        self.broke = 0
        self.only_leftovers = False
        self.left_over = False

    def start(self, db, document_id: int) -> None:
        self.origin = {row["id"]: "initial" for row in store.links(db, document_id)}
        self.last_correction_look = -1

    def order(self, real):
        def wrapped(rows):
            order = real(rows)
            if order:
                self.looked = next(r for r in rows if r["id"] == order[0])
                self.looked_rows = list(rows)
                self.look_count += 1
                self.hand_set_in_look = 0
            return order
        return wrapped

    def set_links(self, real):
        def wrapped(db, document_id, links, **kwargs):
            (source, target), = links
            key = (tuple(source), tuple(target))
            row = self.looked
            rows = self.looked_rows
            at = next(k for k, r in enumerate(rows) if r["id"] == row["id"])
            beside = any(0 <= k < len(rows) and rows[k]["status"] != Status.AUTO
                         for k in (at - 1, at + 1))
            if self.hand_set_in_look == 0:
                kind = "beside-anchor" if beside else "isolated"
            else:
                kind = "follow-up"
            if (self.last_correction_look == self.look_count and key in self.before_realign):
                kind = "undone"
            self.records.append({
                "kind": kind, "origin": self.origin.get(row["id"], "?"),
                "gold_shape": _shape(source, target),
                "row_shape": _shape(row["source_ids"], row["target_ids"]),
                "nth_in_look": self.hand_set_in_look,
            })
            self.hand_set_in_look += 1
            self.last_correction_look = self.look_count
            before = {r["id"] for r in store.links(db, document_id)}
            change = real(db, document_id, links, **kwargs)
            now = store.links(db, document_id)
            self.left_over = False
            for r in now:
                if r["id"] not in before and r["status"] == Status.AUTO:
                    self.origin[r["id"]] = "leftover"
                    self.left_over = True
            self.before_realign = {(tuple(r["source_ids"]), tuple(r["target_ids"]))
                                   for r in now if r["status"] == Status.AUTO}
            return change
        return wrapped

    def after(self, real):
        def wrapped(db, document_id, link_id):
            rows = store.links(db, document_id)
            before = {r["id"] for r in rows}
            right = self._right(rows)
            if self.only_leftovers and not self.left_over:
                return
            real(db, document_id, link_id)
            rows = store.links(db, document_id)
            for r in rows:
                if r["id"] not in before:
                    self.origin[r["id"]] = "realign"
            now = self._right(rows)
            self.repaired += len(now - right)
            self.broke += len(right - now)
        return wrapped

    def _right(self, rows) -> set:
        """The automatic rows that are gold links."""
        return {key for r in rows if r["status"] == Status.AUTO
                and (key := (tuple(r["source_ids"]), tuple(r["target_ids"]))) in self.gold}


ORDERS = {
    "largest": lambda gold, links: links,  # the protocol's (simulate._Gold.covering)
    "reading": lambda gold, links: sorted(links, key=gold.links.index),
    "reverse": lambda gold, links: sorted(links, key=gold.links.index)[::-1],
}
"""Which of a wrong row's gold links the translator sets first (the protocol: largest)."""


def realigning(embedder, reach: int | None):
    """The editor's follow-up (`simulate.realigning`), with `reach` when given."""
    if reach is None:
        return simulate.realigning(embedder)
    memo = VectorMemo()

    def after(db, document_id, link_id):
        review.realign_around(db, document_id, [link_id], embedder, None,
                              user=simulate.REVIEWER, memo=memo, reach=reach)

    return after


def run(documents, embedder, order: str = "largest", realign: bool = True,
        reach: int | None = None, only_leftovers: bool = False) -> tuple[list[dict], list[dict]]:
    recorder = Recorder()
    recorder.only_leftovers = only_leftovers
    real_order, real_set_links = simulate.review_order, review.set_links
    real_covering = simulate._Gold.covering
    simulate._Gold.covering = lambda gold, row: ORDERS[order](gold, real_covering(gold, row))
    simulate.review_order = recorder.order(real_order)
    review.set_links = recorder.set_links(real_set_links)
    figures = []
    try:
        for document in documents:
            db = store.open_db(":memory:")
            (document_id,) = simulate.import_gold(db, document, embedder)
            predicted = simulate.stored_as_positions(db, document_id)
            gold = simulate.representable_gold(document.links, len(document.source),
                                               len(document.target))
            recorder.start(db, document_id)
            recorder.gold = set(simulate._Gold(db, document_id, gold).exact)
            recorder.repaired = recorder.broke = 0
            first = len(recorder.records)
            after = recorder.after(realigning(embedder, reach) if realign
                                   else lambda db, document_id, link_id: None)
            result = simulate.review_document(db, document_id, gold, after)
            figures.append({
                "name": document.name, "gold_links": result.gold_links,
                "hand_set": result.hand_set,
                "static": simulate.missing_gold_links(predicted, gold),
                "strict_f1": round(count_links(predicted, document.links)
                                   .scores()["strict"].f1, 4),
                "breakdown": dict(Counter(r["kind"] for r in recorder.records[first:])),
                "realign_repaired": recorder.repaired, "realign_broke": recorder.broke,
            })
    finally:
        simulate.review_order, review.set_links = real_order, real_set_links
        simulate._Gold.covering = real_covering
    return recorder.records, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", default=["textberg-dev"])
    parser.add_argument("--cache", default=":memory:")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-realign", dest="realign", action="store_false",
                        help="nothing after a correction but set_links' own leftovers")
    parser.add_argument("--reach", type=int, default=None,
                        help="re-align only the automatic rows this close to a correction")
    parser.add_argument("--only-leftovers", action="store_true",
                        help="re-align only after a correction that left sentences over")
    parser.add_argument("--order", choices=sorted(ORDERS), default="largest",
                        help="which of a wrong row's gold links is set first")
    args = parser.parse_args()
    sets = gold_sets(Path(GOLD))
    embedder = cached_embedder(path=args.cache)
    out = {}
    for name in args.sets:
        records, figures = run(sets[name], embedder, args.order, args.realign,
                               args.reach, args.only_leftovers)
        out[name] = {
            "documents": figures,
            "kind": dict(Counter(r["kind"] for r in records)),
            "kind_by_origin": dict(Counter(f"{r['kind']}/{r['origin']}" for r in records)),
            "kind_by_shape": dict(Counter(
                f"{r['kind']}/gold {r['gold_shape']}/row {r['row_shape']}" for r in records)),
        }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for name, found in out.items():
        print(f"== {name}")
        for document in found["documents"]:
            print(f"  {document['name']}: hand-set {document['hand_set']} / static "
                  f"{document['static']} / gold {document['gold_links']} "
                  f"(F1 {document['strict_f1']}) {document['breakdown']}; the "
                  f"re-alignments put {document['realign_repaired']} gold links right and "
                  f"{document['realign_broke']} wrong")
        for key in ("kind", "kind_by_origin", "kind_by_shape"):
            print(f"  {key}:")
            for label, count in sorted(found[key].items(), key=lambda kv: -kv[1]):
                print(f"    {count:4d}  {label}")


if __name__ == "__main__":
    main()
