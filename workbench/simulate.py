"""A simulated translator: how much work it takes to review an alignment until it is perfect.

Strict F1 says how many links are wrong; a translator wants to know how many they must
fix by hand, and how many rows they must look at before the rest can be trusted. This
module measures both on gold alignments, through the product itself: each gold document
is imported and aligned as the workbench does it (`pipeline.compute_links` and
`pipeline.write_document`, into a real SQLite database), then reviewed row by row in the
order the editor proposes (`review_order`), with the editor's own operations
(`review.set_status`, `review.set_links`) and, after each correction, its re-alignment
(`review.realign_around`). The protocol is written out in docs/review-simulation.md.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlite_utils

from workbench import review, store
from workbench.align import AlignSettings
from workbench.aligning import compute_links
from workbench.embed import Embedder
from workbench.evaluate import Counts, GoldDocument, LinkPair, count_links
from workbench.importing import write_document
from workbench.review_order import review_order
from workbench.segment import Sentence
from workbench.status import Status
from workbench.vector_memo import VectorMemo

REVIEWER = "simulated translator"
TRUSTED_SHARE = 0.995
"""`looks_to_995`: the rows not yet looked at are at least this share exactly right."""


@dataclass
class ReviewRun:
    """What one simulated review of one document took."""

    gold_links: int
    hand_set: int = 0
    """Gold links set by hand (`review.set_links`)."""
    looks: int = 0
    """Rows looked at: each row taken from the review order, and each row a correction's
    re-alignment put right that the translator then confirmed."""
    looks_to_trusted: int | None = None
    """Rows looked at before the rows not yet looked at were `TRUSTED_SHARE` right."""
    realign_ms: list[float] = field(default_factory=list)
    """Time of what ran after each correction (the re-alignment), in milliseconds."""


@dataclass
class DocumentReview:
    """One gold document: its alignment before review and the two simulated reviews."""

    name: str
    before: Counts
    product: ReviewRun
    static_hand_set: int
    """Gold links missing from the alignment before review: what a translator sets by hand
    when every wrong link is fixed by hand (an editor without re-alignment)."""

    def as_dict(self) -> dict:
        return {"name": self.name, "gold_links": self.product.gold_links,
                "strict_f1_before": round(self.before.scores()["strict"].f1, 4),
                **review_figures([self])}


def review_figures(documents: Sequence[DocumentReview]) -> dict:
    """The figures of the `"review"` JSON object, summed over `documents` (micro)."""
    gold = sum(d.product.gold_links for d in documents) or 1
    timings = [ms for d in documents for ms in d.product.realign_ms]
    looks = sum(d.product.looks_to_trusted or 0 for d in documents)
    return {
        "hand_set_per_100": round(100 * sum(d.product.hand_set for d in documents) / gold, 2),
        "static_hand_set_per_100": round(
            100 * sum(d.static_hand_set for d in documents) / gold, 2),
        "looks_to_995_per_100": round(100 * looks / gold, 2),
        "realign_ms": round(statistics.median(timings), 1) if timings else None,
        "hand_set": sum(d.product.hand_set for d in documents),
        "static_hand_set": sum(d.static_hand_set for d in documents),
        "looks": sum(d.product.looks for d in documents),
        "corrections": len(timings),
    }


def gold_sentences(texts: Sequence[str], paragraphs: Sequence[int] | None) -> list[Sentence]:
    """The gold's sentences as given, with their paragraphs when the gold has them."""
    return [Sentence(text, paragraphs[k] if paragraphs is not None else 0)
            for k, text in enumerate(texts)]


def import_gold(db: sqlite_utils.Database, document: GoldDocument, embedder: Embedder,
                settings: AlignSettings | None = None, *,
                copies: Sequence[str] = ("",)) -> list[int]:
    """Align the gold's sentences once, as an import does, and store one document per name
    suffix in `copies` (each review then starts from the same alignment). Returns their ids."""
    source = gold_sentences(document.source, document.source_paragraphs)
    target = gold_sentences(document.target, document.target_paragraphs)
    links = compute_links(db, source, target, embedder, settings)
    ids = []
    for suffix in copies:
        with db.atomic():
            ids.append(write_document(db, document.name + suffix, source, target, links,
                                      source_lang="src", target_lang="tgt",
                                      source_path=None, target_path=None))
    return ids


def stored_as_positions(db: sqlite_utils.Database, document_id: int) -> list[LinkPair]:
    """The document's links as sentence positions, for scoring against the gold."""
    source = {row["id"]: row["position"] for row in store.sentences(db, document_id,
                                                                    store.SOURCE)}
    target = {row["id"]: row["position"] for row in store.sentences(db, document_id,
                                                                    store.TARGET)}
    return [(tuple(source[i] for i in link["source_ids"]),
             tuple(target[j] for j in link["target_ids"]))
            for link in store.links(db, document_id)]


class _Gold:
    """The gold links of one stored document, by sentence ids."""

    def __init__(self, db: sqlite_utils.Database, document_id: int,
                 links: Sequence[LinkPair]) -> None:
        source = [row["id"] for row in store.sentences(db, document_id, store.SOURCE)]
        target = [row["id"] for row in store.sentences(db, document_id, store.TARGET)]
        self.links = [(tuple(source[i] for i in s), tuple(target[j] for j in t))
                      for s, t in links]
        self.exact = set(self.links)
        self.holding: dict[tuple[str, int], int] = {}
        for k, (s, t) in enumerate(self.links):
            self.holding.update({(store.SOURCE, i): k for i in s})
            self.holding.update({(store.TARGET, j): k for j in t})

    def is_gold(self, row: dict) -> bool:
        return (tuple(row["source_ids"]), tuple(row["target_ids"])) in self.exact

    def covering(self, row: dict) -> list[LinkPair]:
        """The gold links holding one of the row's sentences, in the order the translator
        sets them: the one with the most sentences first, reading order among equals. Set
        first, a merge takes its sentences out of the way, and the re-alignment around it
        is left with the smaller pieces, which it pairs more surely than it re-merges."""
        found = {self.holding[(store.SOURCE, i)] for i in row["source_ids"]} | \
            {self.holding[(store.TARGET, j)] for j in row["target_ids"]}
        return sorted((self.links[k] for k in sorted(found)),
                      key=lambda link: -(len(link[0]) + len(link[1])))


AfterCorrection = Callable[[sqlite_utils.Database, int, int], None]
"""What the product does after a correction: (db, document id, id of the link set by hand)."""


def review_document(db: sqlite_utils.Database, document_id: int, gold_links: Sequence[LinkPair],
                    after_correction: AfterCorrection | None = None, *,
                    after_confirmation: AfterCorrection | None = None) -> ReviewRun:
    """Review the stored document until it equals the gold, as docs/review-simulation.md
    says: take the first row of `review_order`; confirm it if it is a gold link; otherwise
    set by hand, one by one, largest first, the gold links holding its sentences, each
    followed by `after_correction` (timed), and confirm those that the product has meanwhile
    put right. Without `after_correction`, nothing happens after a correction (static)."""
    gold = _Gold(db, document_id, gold_links)
    result = ReviewRun(gold_links=len(gold.links))
    limit = 4 * len(gold.links) + 10
    while True:
        rows = store.links(db, document_id)
        if result.looks_to_trusted is None and _trusted(rows, gold):
            result.looks_to_trusted = result.looks
        order = review_order(rows)
        if not order:
            break
        if result.looks > limit:
            raise RuntimeError(f"the simulated review of document {document_id} does not end")
        row = next(r for r in rows if r["id"] == order[0])
        result.looks += 1
        if gold.is_gold(row):
            review.set_status(db, document_id, row["id"], Status.CONFIRMED, user=REVIEWER)
            if after_confirmation is not None:
                after_confirmation(db, document_id, row["id"])
            continue
        for source_ids, target_ids in gold.covering(row):
            now = {(tuple(r["source_ids"]), tuple(r["target_ids"])): r
                   for r in store.links(db, document_id)}
            there = now.get((source_ids, target_ids))
            if there is not None and there["status"] != Status.AUTO:
                continue
            if there is not None:  # the product put it right after an earlier correction
                result.looks += 1
                review.set_status(db, document_id, there["id"], Status.CONFIRMED, user=REVIEWER)
                continue
            change = review.set_links(db, document_id, [(source_ids, target_ids)],
                                      user=REVIEWER)
            result.hand_set += 1
            if after_correction is not None:
                started = time.perf_counter()
                after_correction(db, document_id, change.focus_link)
                result.realign_ms.append(1000 * (time.perf_counter() - started))
    final = store.links(db, document_id)
    if not all(gold.is_gold(r) for r in final) or len(final) != len(gold.links):
        raise RuntimeError(f"the simulated review of document {document_id} ended short of "
                           "the gold")
    return result


def _trusted(rows: Sequence[dict], gold: _Gold) -> bool:
    waiting = [row for row in rows if row["status"] == Status.AUTO]
    return not waiting or sum(map(gold.is_gold, waiting)) >= TRUSTED_SHARE * len(waiting)


def realigning(embedder: Embedder, settings: AlignSettings | None = None,
               memo: VectorMemo | None = None) -> AfterCorrection:
    """The editor's follow-up to a correction (`review.realign_follow_up`, which
    `review.realign_after` runs): re-align the automatic rows around it, taking only the
    changes it reaches."""
    memo = memo if memo is not None else VectorMemo()

    def after(db: sqlite_utils.Database, document_id: int, link_id: int) -> None:
        review.realign_follow_up(db, document_id, [link_id], embedder, settings,
                                 user=REVIEWER, memo=memo)

    return after


def simulate_review(db: sqlite_utils.Database, document: GoldDocument, embedder: Embedder,
                    settings: AlignSettings | None = None, *,
                    realign_confirmed: bool = False) -> DocumentReview:
    """Import and align one gold document, then review it with the product's re-alignment
    after each correction; the static figure counts the gold links the alignment missed."""
    (document_id,) = import_gold(db, document, embedder, settings)
    predicted = stored_as_positions(db, document_id)
    before = count_links(predicted, document.links)
    gold = representable_gold(document.links, len(document.source), len(document.target))
    after = realigning(embedder, settings)
    product = review_document(db, document_id, gold, after,
                              after_confirmation=after if realign_confirmed else None)
    return DocumentReview(document.name, before, product, missing_gold_links(predicted, gold))


def representable_gold(links: Sequence[LinkPair], source_count: int = 0,
                       target_count: int = 0) -> list[LinkPair]:
    """The gold as rows can hold it. Every sentence is in a row: one the gold leaves out
    (of `source_count` and `target_count`) gets a link of its own, with nothing on the other
    side, at the end of the list. A row's sentences are consecutive on each side, so a
    gold link with a gap (Text+Berg has `[250]:[291, 293, 294]` beside `[]:[292]`) is joined
    with the links of the sentences in its gap, and two links that cross (Text+Berg dev pairs
    455 with 541 and 456 with 540) are joined too; each joined group counts as one link (where
    the first of them stood)."""
    merged = [(tuple(s), tuple(t)) for s, t in links]
    linked = ({i for s, _ in merged for i in s}, {j for _, t in merged for j in t})
    merged += [((i,), ()) for i in range(source_count) if i not in linked[0]]
    merged += [((), (j,)) for j in range(target_count) if j not in linked[1]]
    changed = True
    while changed:
        changed = False
        for k, (source, target) in enumerate(merged):
            gaps = (_gap(source), _gap(target))
            joined = [other for other in merged if other is not merged[k] and (
                gaps[0].intersection(other[0]) or gaps[1].intersection(other[1])
                or _crossing(merged[k], other))]
            if not joined:
                continue
            group = [merged[k], *joined]
            first = min(merged.index(link) for link in group)
            whole = (tuple(sorted(i for s, _ in group for i in s)),
                     tuple(sorted(j for _, t in group for j in t)))
            merged = [whole if index == first else link for index, link in enumerate(merged)
                      if index == first or link not in group]
            changed = True
            break
    return merged


def _crossing(link: LinkPair, other: LinkPair) -> bool:
    """Two links with sentences on both sides that cross (or share a sentence)."""
    if not (link[0] and link[1] and other[0] and other[1]):
        return False
    before = link[0][-1] < other[0][0] and link[1][-1] < other[1][0]
    after = other[0][-1] < link[0][0] and other[1][-1] < link[1][0]
    return not (before or after)


def _gap(positions: Sequence[int]) -> set[int]:
    return set(range(positions[0], positions[-1] + 1)) - set(positions) if positions else set()


def missing_gold_links(predicted: Sequence[LinkPair], gold: Sequence[LinkPair]) -> int:
    """How many gold links the predicted links do not hold exactly."""
    exact = {(tuple(s), tuple(t)) for s, t in predicted}
    return sum((tuple(s), tuple(t)) not in exact for s, t in gold)
