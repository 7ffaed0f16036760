"""Aligning for the store: two segmented sides through the embedding cache, and a stored
document again with its reviewed links as anchors.

`align_stored` is the one way a stored document is re-aligned, by the import, the
re-import, the command line and (through its compute step, `plan_alignment`) the
editor's undoable re-align. The slow part, embedding and aligning, runs outside any
write transaction; the write then refuses if the document changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from workbench import store
from workbench.align import AlignSettings, Anchor, Link, align
from workbench.corpus import ImportRefused
from workbench.embed import Embedder, with_cache
from workbench.errors import DomainError, ErrorKind
from workbench.segment import Sentence
from workbench.status import Status
from workbench.store.documents import document_state
from workbench.store.rows import row_sentence


def align_sentences(source: list[Sentence], target: list[Sentence], embedder: Embedder,
                    settings: AlignSettings | None = None, *, anchors=()) -> list[Link]:
    """Align two segmented sides with their paragraphs; pure: the embedder brings its own
    cache, if any (a worker of a parallel run has no database)."""
    return align(
        [s.text for s in source], [s.text for s in target], embedder, settings,
        source_paragraphs=[s.paragraph for s in source],
        target_paragraphs=[s.paragraph for s in target],
        anchors=anchors,
    )


def align_cached(db: sqlite_utils.Database, source: list[Sentence], target: list[Sentence],
                 embedder: Embedder, settings: AlignSettings | None = None, *,
                 anchors=()) -> list[Link]:
    """`align_sentences` with the database's embedding cache (which commits on its own:
    call it outside a write transaction)."""
    cached = with_cache(embedder, store.SqliteEmbeddingCache(db))
    return align_sentences(source, target, cached, settings, anchors=anchors)


def compute_links(
    db: sqlite_utils.Database,
    source: list[Sentence],
    target: list[Sentence],
    embedder: Embedder | None,
    settings: AlignSettings | None = None,
) -> list[Link]:
    """Align two sentence lists; with an empty side or no embedder, every sentence stands alone.

    Runs outside any write transaction: the embedding cache commits on its own.
    """
    if embedder is None or not source or not target:
        return [Link((i,), ()) for i in range(len(source))] + \
            [Link((), (j,)) for j in range(len(target))]
    return align_cached(db, source, target, embedder, settings)


# --- stored links as anchors -------------------------------------------------------


def stored_link_as_positions(link: dict, source_index: dict[int, int],
                             target_index: dict[int, int]) -> Link:
    """A stored link (sentence row ids) as the aligner sees it: positions in the sentence
    lists that the two index maps (row id -> position) describe."""
    return Link(tuple(source_index[i] for i in link["source_ids"]),
                tuple(target_index[j] for j in link["target_ids"]), link["score"] or 0.0)


def _consecutive(positions: list[int]) -> bool:
    return positions == list(range(positions[0], positions[0] + len(positions))) \
        if positions else True


def document_anchors(links: list[dict], source_index: dict[int, int],
                     target_index: dict[int, int],
                     keep: Callable[[dict], bool]) -> list[tuple[Anchor, dict]]:
    """The stored links that `keep` chooses, as aligner anchors placed where the document has
    them, each with its stored link.

    Walks every stored link in order: a 1-0 or 0-1 anchor stands after the sentences of the
    links before it (its neighbours tell its place on its empty side). `keep` sees only
    links whose sentences are all in the index maps. A link that would overlap the ones
    before it (a document damaged before anchors were ordered this way), or whose
    sentences are no longer next to each other (a sentence was inserted between them), is
    not kept, so re-aligning repairs it instead of failing.
    """
    placed: list[tuple[Anchor, dict]] = []
    next_source = next_target = 0
    for link in links:
        source = [source_index[i] for i in link["source_ids"] if i in source_index]
        target = [target_index[j] for j in link["target_ids"] if j in target_index]
        mapped = len(source) == len(link["source_ids"]) and \
            len(target) == len(link["target_ids"])
        in_order = (not source or source[0] >= next_source) and \
            (not target or target[0] >= next_target)
        unbroken = _consecutive(source) and _consecutive(target)
        if mapped and in_order and unbroken and keep(link):
            placed.append((Anchor(stored_link_as_positions(link, source_index, target_index),
                                  source[0] if source else next_source,
                                  target[0] if target else next_target), link))
        next_source = max([next_source, *(i + 1 for i in source)])
        next_target = max([next_target, *(j + 1 for j in target)])
    return placed


def is_reviewed(link: dict) -> bool:
    """A link a person has looked at (or marked not for translation): an anchor."""
    return link["status"] != Status.AUTO


# --- refusals -----------------------------------------------------------------------


class DocumentMissing(DomainError):
    """The document to align is not (or no longer) in the database."""

    kind = ErrorKind.NOT_FOUND


class StaleVersion(DomainError):
    """The document is no longer at the version the caller saw."""

    kind = ErrorKind.CONFLICT

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"the document is at version {current}, not {expected}")
        self.expected, self.current = expected, current


def refuse_if_finished(db: sqlite_utils.Database, document_id: int) -> None:
    """A finished document is locked: re-importing or re-aligning it waits for a reopen."""
    try:
        store.refuse_if_finished(db, document_id)
    except store.DocumentFinished as error:
        raise _finished(db, document_id, error) from error


def _finished(db: sqlite_utils.Database, document_id: int,
              error: store.DocumentFinished) -> ImportRefused:
    state = document_state(db, document_id)
    name = state["name"] if state else f"document {document_id}"
    return ImportRefused(f"{name}: {error}", kind=ErrorKind.LOCKED)


def document_version(db: sqlite_utils.Database, document_id: int) -> int:
    """The version a re-import or re-alignment plans from, checked again when it writes."""
    state = document_state(db, document_id)
    if state is None:
        raise DocumentMissing(f"no document with id {document_id}")
    return state["version"]


def refuse_if_changed(db: sqlite_utils.Database, document_id: int, version: int) -> None:
    """Inside the write transaction: refuse if the document was finished or edited since
    `version` was read, as the links planned from it would undo that review."""
    state = document_state(db, document_id)
    if state is None:
        raise ImportRefused("the document was deleted while it was being aligned; "
                            "nothing was written", kind=ErrorKind.CONFLICT)
    changed = f"{state['name']}: the document changed while it was being aligned"
    try:
        store.refuse_if_finished(db, document_id)
    except store.DocumentFinished as error:
        raise ImportRefused(f"{changed}: {error}", kind=ErrorKind.LOCKED) from error
    if state["version"] != version:
        raise ImportRefused(f"{changed} (someone edited or reviewed it); nothing was written, "
                            "run it again", kind=ErrorKind.CONFLICT)


# --- a stored document, aligned again ------------------------------------------------


@dataclass(frozen=True)
class StoredDocument:
    """A stored document's version, sentence rows and links, read from one snapshot."""

    document_id: int
    version: int
    source: list[dict]
    target: list[dict]
    links: list[dict]

    @property
    def source_index(self) -> dict[int, int]:
        """Sentence row id -> position, French side."""
        return {row["id"]: i for i, row in enumerate(self.source)}

    @property
    def target_index(self) -> dict[int, int]:
        """Sentence row id -> position, English side."""
        return {row["id"]: j for j, row in enumerate(self.target)}


def read_stored(db: sqlite_utils.Database, document_id: int, *,
                expected_version: int | None = None) -> StoredDocument:
    """Read a document to align again from one snapshot, refusing before the slow part:
    `DocumentMissing`, `StaleVersion` (not at `expected_version`), or the store's
    `DocumentFinished`."""
    with store.snapshot(db):  # the version, sentences and links of one moment
        state = document_state(db, document_id)
        if state is None:
            raise DocumentMissing(f"no document with id {document_id}")
        if expected_version is not None and expected_version != state["version"]:
            raise StaleVersion(expected_version, state["version"])
        store.refuse_if_finished(db, document_id)  # before the embedding, which takes a while
        return StoredDocument(document_id, state["version"],
                              store.sentences(db, document_id, store.SOURCE),
                              store.sentences(db, document_id, store.TARGET),
                              store.links(db, document_id))


@dataclass(frozen=True)
class StoredAlignment:
    """A stored document aligned again, not yet written: what it was computed from, the new
    links (by sentence position) and the status each anchor keeps."""

    stored: StoredDocument
    links: list[Link]
    anchor_status: dict[tuple[tuple[int, ...], tuple[int, ...]], str]

    @property
    def document_id(self) -> int:
        return self.stored.document_id

    @property
    def version(self) -> int:
        """The version it was computed from: the write refuses any other."""
        return self.stored.version

    def sentence_ids(self, link: Link) -> tuple[list[int], list[int]]:
        """The sentence row ids of a new link."""
        return ([self.stored.source[i]["id"] for i in link.source],
                [self.stored.target[j]["id"] for j in link.target])

    def status(self, link: Link) -> str:
        """An anchor keeps its review status; every other link is automatic."""
        return self.anchor_status.get((link.source, link.target), Status.AUTO)

    def link_rows(self) -> list[dict]:
        """The new links as `store.replace_links` takes them."""
        rows = []
        for link in self.links:
            source_ids, target_ids = self.sentence_ids(link)
            rows.append({"source_ids": source_ids, "target_ids": target_ids,
                         "score": link.score, "status": self.status(link)})
        return rows


def align_read(db: sqlite_utils.Database, stored: StoredDocument, embedder: Embedder,
               settings: AlignSettings | None = None, *,
               keep_reviewed: bool = True) -> StoredAlignment:
    """Align a document read by `read_stored`; its reviewed links stay as fixed anchors
    unless `keep_reviewed` is off. Writes nothing but the embedding cache."""
    anchors, anchor_status = [], {}
    placed = document_anchors(stored.links, stored.source_index, stored.target_index,
                              is_reviewed) if keep_reviewed else []
    for anchor, link in placed:
        anchors.append(anchor)
        anchor_status[(anchor.link.source, anchor.link.target)] = link["status"]
    links = align_cached(db, [row_sentence(row) for row in stored.source],
                         [row_sentence(row) for row in stored.target], embedder, settings,
                         anchors=anchors)
    return StoredAlignment(stored, links, anchor_status)


def plan_alignment(
    db: sqlite_utils.Database,
    document_id: int,
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    keep_reviewed: bool = True,
    expected_version: int | None = None,
) -> StoredAlignment:
    """Align a stored document again, writing nothing: the compute step of `align_stored`
    (`read_stored`, then `align_read`), with the refusals of `read_stored`."""
    return align_read(db, read_stored(db, document_id, expected_version=expected_version),
                      embedder, settings, keep_reviewed=keep_reviewed)


def write_alignment(db: sqlite_utils.Database, planned: StoredAlignment) -> int:
    """Write a planned alignment in place of the document's links, unless the document was
    finished or edited since it was planned; return the number of links."""
    with db.atomic():
        refuse_if_changed(db, planned.document_id, planned.version)
        return store.replace_links(db, planned.document_id, planned.link_rows())


def align_stored(
    db: sqlite_utils.Database,
    document_id: int,
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    keep_reviewed: bool = True,
) -> int:
    """(Re-)align a stored document; reviewed links stay as fixed anchors. Return link count."""
    try:
        planned = plan_alignment(db, document_id, embedder, settings,
                                 keep_reviewed=keep_reviewed)
    except store.DocumentFinished as error:
        raise _finished(db, document_id, error) from error
    return write_alignment(db, planned)
