"""A changed version of a stored document: diff its sentences, keep what did not change
(with its links and their review), align only the gaps, and write it all at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import sqlite_utils

from workbench import store
from workbench.align import AlignSettings, Link
from workbench.aligning import (
    align_cached,
    document_anchors,
    document_version,
    refuse_if_changed,
    refuse_if_finished,
)
from workbench.embed import Embedder
from workbench.segment import Sentence
from workbench.status import Status
from workbench.store.documents import rewrite_links, rewrite_sentences

SOURCE, TARGET = store.SOURCE, store.TARGET


@dataclass
class Changes:
    """What a re-import changed, side by side: shown to the translator."""

    added: dict[str, list[str]] = field(default_factory=lambda: {SOURCE: [], TARGET: []})
    removed: dict[str, list[str]] = field(default_factory=lambda: {SOURCE: [], TARGET: []})
    kept: dict[str, int] = field(default_factory=lambda: {SOURCE: 0, TARGET: 0})
    links_kept: int = 0
    reviewed_kept: int = 0
    links_realigned: int = 0

    @property
    def changed(self) -> bool:
        return any(self.added.values()) or any(self.removed.values())

    def summary(self) -> str:
        if not self.changed:
            return "no sentence changed"
        parts = []
        for side, label in ((SOURCE, "French"), (TARGET, "English")):
            added, removed = len(self.added[side]), len(self.removed[side])
            if added or removed:
                parts.append(f"{label}: {added} sentence(s) added, {removed} removed")
        parts.append(
            f"{self.links_kept} link(s) kept ({self.reviewed_kept} reviewed), "
            f"{self.links_realigned} re-aligned"
        )
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return {
            "added": self.added, "removed": self.removed, "kept": self.kept,
            "links_kept": self.links_kept, "reviewed_kept": self.reviewed_kept,
            "links_realigned": self.links_realigned, "summary": self.summary(),
        }


def reimport_document(
    db: sqlite_utils.Database,
    document_id: int,
    source: list[Sentence],
    target: list[Sentence],
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    source_path: str | None = None,
    target_path: str | None = None,
) -> Changes:
    """Apply a changed version of a document: keep unchanged sentences and their links.

    Sentences are matched by a diff of their texts on each side. A link whose
    sentences are all unchanged is kept (with its review status); only the
    gaps left by removed or added sentences are aligned again, between those
    anchors. Unmatched automatic links (one empty side) next to a change are
    re-aligned too, since the new text may be their counterpart.
    """
    plan = plan_reimport(db, document_id, source, target, embedder, settings)
    if plan.changes.changed:
        with db.atomic():
            write_reimport(db, plan, source_path=source_path, target_path=target_path)
    return plan.changes


@dataclass
class ReimportPlan:
    """A re-import aligned but not yet written: what `write_reimport` applies, in a
    transaction of its own or in one with others (a compilation's re-split)."""

    document_id: int
    version: int
    old: dict[str, list[dict]]
    new: dict[str, list[Sentence]]
    old_new_pairs: dict[str, list[tuple[dict, int]]]
    links: list[Link]
    kept_by_shape: dict[tuple[tuple[int, ...], tuple[int, ...]], dict]
    changes: Changes


def plan_reimport(
    db: sqlite_utils.Database,
    document_id: int,
    source: list[Sentence],
    target: list[Sentence],
    embedder: Embedder,
    settings: AlignSettings | None = None,
) -> ReimportPlan:
    """Diff and align a re-import (the slow part) without writing; refuses a finished
    document. `write_reimport` writes it unless the document changed meanwhile."""
    refuse_if_finished(db, document_id)
    version = document_version(db, document_id)
    changes = Changes()
    old = {side: store.sentences(db, document_id, side) for side in (SOURCE, TARGET)}
    new = {SOURCE: source, TARGET: target}
    new_index_of_id: dict[int, int] = {}
    old_new_pairs: dict[str, list[tuple[dict, int]]] = {SOURCE: [], TARGET: []}
    for side in (SOURCE, TARGET):
        matcher = difflib.SequenceMatcher(
            None, [r["text"] for r in old[side]], [s.text for s in new[side]], autojunk=False
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for offset in range(i2 - i1):
                    row = old[side][i1 + offset]
                    new_index_of_id[row["id"]] = j1 + offset
                    old_new_pairs[side].append((row, j1 + offset))
                changes.kept[side] += i2 - i1
            else:
                changes.removed[side] += [r["text"] for r in old[side][i1:i2]]
                changes.added[side] += [s.text for s in new[side][j1:j2]]
    def keeps(link: dict) -> bool:
        return all(i in new_index_of_id for i in link["source_ids"] + link["target_ids"]) \
            and not (link["status"] == Status.AUTO
                     and not (link["source_ids"] and link["target_ids"]))

    placed = document_anchors(store.links(db, document_id), new_index_of_id, new_index_of_id,
                              keeps)
    anchors = [anchor for anchor, _ in placed]
    kept_links = [((anchor.link.source, anchor.link.target), link) for anchor, link in placed]
    links = align_cached(db, source, target, embedder, settings, anchors=anchors) \
        if changes.changed else []
    return ReimportPlan(document_id, version, old, new, old_new_pairs, links,
                        dict(kept_links), changes)


def write_reimport(db: sqlite_utils.Database, plan: ReimportPlan, *,
                   source_path: str | None = None, target_path: str | None = None) -> None:
    """Write a planned re-import; call inside `db.atomic()`. Refuses (nothing written) if
    the document was finished or edited since it was planned."""
    document_id, changes = plan.document_id, plan.changes
    refuse_if_changed(db, document_id, plan.version)
    ids = rewrite_sentences(
        db, document_id, plan.new,
        {side: [(row["id"], index) for row, index in plan.old_new_pairs[side]]
         for side in (SOURCE, TARGET)},
    )
    rows = []
    for link in plan.links:
        kept = plan.kept_by_shape.get((link.source, link.target))
        if kept is not None:
            changes.links_kept += 1
            changes.reviewed_kept += kept["status"] != Status.AUTO
            row = dict(kept)  # a link that stays keeps its id (`?link=` URLs) and review
        else:
            changes.links_realigned += 1
            row = {"score": link.score, "status": Status.AUTO}
        row["source_ids"] = [ids[SOURCE][i] for i in link.source]
        row["target_ids"] = [ids[TARGET][j] for j in link.target]
        rows.append(row)
    rewrite_links(db, document_id, rows, source_path=source_path, target_path=target_path)
