"""Gold alignments: reading them, and scoring predicted links against them.

The scores are those of the aligner literature (Vecalign's `score.py`, also used by
Bertalign), so our figures compare with published ones:

- strict: a predicted link counts only if it equals a gold link;
- lax: a predicted link counts if one of its source sentences is linked, in the
  gold, to one of its target sentences;
- precision is over every predicted link, 1-0 and 0-1 included;
- recall is over the gold links, leaving out 1-0 and 0-1 on both sides;
- counts are summed over documents (micro-average).

Pure: reads text files, knows nothing of models, SQLite or Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LinkPair = tuple[tuple[int, ...], tuple[int, ...]]

GOLD_LINKS_FILE = "gold.links"
_LINK_LINE = re.compile(r"^\s*\[([\d,\s]*)\]\s*:\s*\[([\d,\s]*)\]\s*$")


class GoldFormatError(ValueError):
    """A gold file is not in the `[i, j]:[k]` layout, or does not match its sentences."""


def parse_links(text: str, origin: str = "gold.links") -> list[LinkPair]:
    """Links from `[i, j]:[k]` lines (blank lines ignored)."""
    links = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINK_LINE.match(line)
        if not match:
            raise GoldFormatError(f"{origin}, line {number}: expected [i, j]:[k], got {line!r}")
        links.append((_indices(match.group(1)), _indices(match.group(2))))
    return links


def _indices(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def format_links(links: Iterable[LinkPair]) -> str:
    """The inverse of `parse_links`, one link a line."""
    return "".join(
        f"[{', '.join(map(str, source))}]:[{', '.join(map(str, target))}]\n"
        for source, target in links
    )


@dataclass(frozen=True)
class GoldDocument:
    """One gold folder: its sentences as given, paragraph numbers when known, and links."""

    name: str
    source: list[str]
    target: list[str]
    links: list[LinkPair]
    source_paragraphs: list[int] | None = None
    target_paragraphs: list[int] | None = None


def _read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _read_paragraphs(path: Path, expected: int) -> list[int] | None:
    if not path.exists():
        return None
    numbers = [int(line) for line in _read_lines(path) if line.strip()]
    if len(numbers) != expected:
        raise GoldFormatError(f"{path}: {len(numbers)} paragraph numbers for {expected} sentences")
    return numbers


def read_gold_document(folder: Path, name: str | None = None) -> GoldDocument:
    """Read `src.sent`, `tgt.sent`, `gold.links` and, if present, `src.par` / `tgt.par`."""
    folder = Path(folder)
    source = _read_lines(folder / "src.sent")
    target = _read_lines(folder / "tgt.sent")
    links_path = folder / GOLD_LINKS_FILE
    links = parse_links(links_path.read_text(encoding="utf-8"), str(links_path))
    for source_ids, target_ids in links:
        if any(i >= len(source) for i in source_ids) or any(j >= len(target) for j in target_ids):
            raise GoldFormatError(f"{links_path}: link {source_ids}:{target_ids} is out of range")
    return GoldDocument(
        name=name or folder.name,
        source=source,
        target=target,
        links=links,
        source_paragraphs=_read_paragraphs(folder / "src.par", len(source)),
        target_paragraphs=_read_paragraphs(folder / "tgt.par", len(target)),
    )


def find_gold_documents(root: Path) -> list[GoldDocument]:
    """Every folder under `root` (itself included) holding a `gold.links`, sorted by path.

    Names are paths relative to `root`, e.g. `transread/Candide`.
    """
    root = Path(root)
    folders = sorted(path.parent for path in root.rglob(GOLD_LINKS_FILE))
    return [
        read_gold_document(folder, folder.relative_to(root).as_posix() if folder != root
                           else folder.name)
        for folder in folders
    ]


@dataclass
class Counts:
    """Tallies that add up across documents; precision, recall and F1 derive from them."""

    predicted: int = 0
    """Predicted links (the precision denominator)."""
    strict_correct_predicted: int = 0
    lax_correct_predicted: int = 0
    gold: int = 0
    """Gold links with a sentence on both sides (the recall denominator)."""
    strict_found_gold: int = 0
    lax_found_gold: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.predicted, self.strict_correct_predicted, self.lax_correct_predicted,
                self.gold, self.strict_found_gold, self.lax_found_gold)

    def scores(self) -> dict[str, Scores]:
        return {
            "strict": Scores.from_counts(
                self.strict_correct_predicted, self.predicted, self.strict_found_gold, self.gold),
            "lax": Scores.from_counts(
                self.lax_correct_predicted, self.predicted, self.lax_found_gold, self.gold),
        }


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    @classmethod
    def from_counts(cls, correct: int, predicted: int, found: int, gold: int) -> Scores:
        precision = correct / predicted if predicted else 0.0
        recall = found / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1)

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def _pairs(links: Iterable[LinkPair]) -> set[tuple[int, int]]:
    return {(i, j) for source, target in links for i in source for j in target}


def _correct(candidates: Sequence[LinkPair], reference: Sequence[LinkPair]) -> tuple[int, int]:
    """How many candidates are exactly in the reference (strict) and touch it (lax)."""
    exact = {(tuple(s), tuple(t)) for s, t in reference}
    pairs = _pairs(reference)
    strict = lax = 0
    for source, target in candidates:
        if (tuple(source), tuple(target)) in exact:
            strict += 1
            lax += 1
        elif any((i, j) in pairs for i in source for j in target):
            lax += 1
    return strict, lax


def count_links(predicted: Sequence[LinkPair], gold: Sequence[LinkPair]) -> Counts:
    """The tallies of one document."""
    predicted = [(tuple(s), tuple(t)) for s, t in predicted if s or t]
    strict_predicted, lax_predicted = _correct(predicted, gold)
    predicted_both = [(s, t) for s, t in predicted if s and t]
    gold_both = [(s, t) for s, t in gold if s and t]
    strict_gold, lax_gold = _correct(gold_both, predicted_both)
    return Counts(
        predicted=len(predicted),
        strict_correct_predicted=strict_predicted,
        lax_correct_predicted=lax_predicted,
        gold=len(gold_both),
        strict_found_gold=strict_gold,
        lax_found_gold=lax_gold,
    )


def score_links(predicted: Sequence[LinkPair], gold: Sequence[LinkPair]) -> dict[str, Scores]:
    """Strict and lax precision, recall and F1 of one document."""
    return count_links(predicted, gold).scores()


@dataclass
class DocumentResult:
    name: str
    counts: Counts
    seconds: float = 0.0
    confidences: list[tuple[float, bool]] = field(default_factory=list)
    """(confidence, exactly right) for each predicted link: for reliability tables."""

    def as_dict(self) -> dict:
        scores = self.counts.scores()
        return {
            "name": self.name,
            "strict": scores["strict"].as_dict(),
            "lax": scores["lax"].as_dict(),
            "links": self.counts.predicted,
            "gold_links": self.counts.gold,
            "seconds": round(self.seconds, 3),
        }


def total_counts(results: Iterable[DocumentResult]) -> Counts:
    total = Counts()
    for result in results:
        total = total + result.counts
    return total


def link_correctness(predicted: Sequence[LinkPair], gold: Sequence[LinkPair]) -> list[bool]:
    """For each predicted link: is it exactly a gold link?"""
    exact = {(tuple(s), tuple(t)) for s, t in gold}
    return [(tuple(s), tuple(t)) in exact for s, t in predicted]


def reliability_table(
    confidences: Iterable[tuple[float, bool]],
    edges: Sequence[float] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0),
) -> list[dict]:
    """Share of exactly right links per confidence bucket [low, high) (the last is closed)."""
    items = list(confidences)
    rows = []
    for index, (low, high) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        last = index == len(edges) - 2
        inside = [ok for score, ok in items if low <= score < high or (last and score == high)]
        rows.append({
            "low": low, "high": high, "links": len(inside),
            "correct": (sum(inside) / len(inside)) if inside else None,
        })
    return rows


def evaluate_document(document: GoldDocument, aligner) -> DocumentResult:
    """Run `aligner(document) -> links` (objects with .source, .target, .score) and score it."""
    import time

    started = time.perf_counter()
    links = aligner(document)
    seconds = time.perf_counter() - started
    predicted = [(tuple(link.source), tuple(link.target)) for link in links]
    correct = link_correctness(predicted, document.links)
    return DocumentResult(
        name=document.name,
        counts=count_links(predicted, document.links),
        seconds=seconds,
        confidences=[(float(link.score), ok) for link, ok in zip(links, correct, strict=True)],
    )
