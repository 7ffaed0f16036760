"""Glue between the pure stages and the store: read, segment, save, align, save."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from workbench import store
from workbench.align import AlignSettings, Anchor, Link, align
from workbench.compilation import DEFAULT_THRESHOLD, Split, split_compilation
from workbench.compilation import part_name as compilation_part_name
from workbench.embed import Embedder, with_cache
from workbench.readers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PARAGRAPHS,
    DEFAULT_MAX_SENTENCES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    ReadError,
    check_language,
    read_bytes,
)
from workbench.segment import Sentence, TooManySegments, read_presegmented, segment
from workbench.status import Status

SOURCE_DIR, TARGET_DIR = "fr", "en"
SOURCE, TARGET = store.SOURCE, store.TARGET


class CorpusError(ValueError):
    """The corpus folder or a file in it cannot be used; the message says why."""


@dataclass(frozen=True)
class DocumentPair:
    name: str
    source_path: Path
    target_path: Path


def corpus_pairs(corpus: Path) -> list[DocumentPair]:
    """`corpus/fr/NAME` pairs with `corpus/en/NAME`; a file without its twin is an error."""
    source_dir, target_dir = corpus / SOURCE_DIR, corpus / TARGET_DIR
    if not source_dir.is_dir() or not target_dir.is_dir():
        raise CorpusError(f"{corpus} must hold two folders, {SOURCE_DIR}/ and {TARGET_DIR}/")
    source_files = {p.name: p for p in source_dir.iterdir() if _is_document(p)}
    target_files = {p.name: p for p in target_dir.iterdir() if _is_document(p)}
    unpaired = sorted(set(source_files) ^ set(target_files))
    if unpaired:
        raise CorpusError(
            "these files have no counterpart of the same name in the other language: "
            + ", ".join(unpaired)
        )
    return [
        DocumentPair(Path(name).stem, source_files[name], target_files[name])
        for name in sorted(source_files)
    ]


def _is_document(path: Path) -> bool:
    return path.is_file() and not path.name.startswith(".") and path.name != "README.md"


# --- import: validate everything, then write once -------------------------------


class ImportRefused(CorpusError):
    """An import that was refused before anything was written; `status` is the HTTP code.

    `remedy` names the setting that would let it through ("language_check", "replace",
    "max_size"), for the command line to word as a flag and the web page as a checkbox."""

    def __init__(self, message: str, status: int = 400, remedy: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.remedy = remedy


@dataclass(frozen=True)
class ImportOptions:
    source_lang: str = "fr"
    target_lang: str = "en"
    presegmented: bool = False
    language_check: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED_BYTES
    max_paragraphs: int = DEFAULT_MAX_PARAGRAPHS
    max_sentences: int = DEFAULT_MAX_SENTENCES


@dataclass(frozen=True)
class InputFile:
    """A file to import: its name (for messages and the format) and its bytes."""

    filename: str
    data: bytes

    @classmethod
    def from_path(cls, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> InputFile:
        size = path.stat().st_size
        if size > max_bytes:
            raise ImportRefused(
                f"{path.name} is too large ({size / 1e6:.1f} MB; the limit is "
                f"{max_bytes / 1e6:.1f} MB); split it, or raise the limit", 413, "max_size",
            )
        return cls(path.name, path.read_bytes())


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


@dataclass(frozen=True)
class ImportResult:
    name: str
    document_id: int
    links: int
    created: bool
    changes: Changes | None = None


NAME_FORBIDDEN = "/\\%#?"


def check_name(name: str) -> None:
    """Names are one URL path segment and a file name: nothing a browser would read as a
    separator, an escape, a query or a fragment, no control character, not `.` or `..`."""
    if not name or not name.strip():
        raise ImportRefused("the document needs a name")
    if (name != name.strip() or name in (".", "..")
            or any(c in NAME_FORBIDDEN or ord(c) < 32 or ord(c) == 127 for c in name)):
        raise ImportRefused(
            f"{name!r} cannot be a document name: it goes into web addresses, so it cannot be "
            "`.` or `..`, start or end with a space, or hold / \\ % # ? or control characters")


def prepare_side(
    upload: InputFile, lang: str, other_lang: str, options: ImportOptions
) -> list[Sentence]:
    """Read, check and segment one file; pure: raises ImportRefused, writes nothing."""
    try:
        document = read_bytes(upload.data, upload.filename, max_bytes=options.max_bytes,
                              max_paragraphs=options.max_paragraphs,
                              max_uncompressed=options.max_uncompressed)
        if options.language_check:
            check_language(document.text, lang, other_lang, upload.filename)
        sentences = read_presegmented(document.text) if options.presegmented \
            else segment(document.text, lang, max_paragraphs=options.max_paragraphs,
                         max_sentences=options.max_sentences)
    except ReadError as error:
        raise ImportRefused(str(error), error.status, error.remedy) from error
    except TooManySegments as error:
        raise ImportRefused(
            f"{upload.filename} holds {error}, the most one import may hold; split it into "
            "several documents", 413,
        ) from error
    if len(sentences) > options.max_sentences:
        raise ImportRefused(
            f"{upload.filename} holds {len(sentences):,} sentences, more than the "
            f"{options.max_sentences:,} one import may hold; split it into several documents",
            413,
        )
    if not sentences:
        raise ImportRefused(f"{upload.filename} holds no sentence to import")
    return sentences


def import_document(
    db: sqlite_utils.Database,
    name: str,
    source: InputFile,
    target: InputFile,
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    options: ImportOptions | None = None,
    replace: bool = False,
) -> ImportResult:
    """Import (or, with `replace`, update) one document and align it, in one transaction.

    Every check runs before the first write, so a refused import leaves the
    database as it was.
    """
    options = options or ImportOptions()
    check_name(name)
    source_sentences = prepare_side(source, options.source_lang, options.target_lang, options)
    target_sentences = prepare_side(target, options.target_lang, options.source_lang, options)
    existing = store.get_document(db, name)
    if existing is not None:
        unchanged = _same_sentences(db, existing["id"], source_sentences, target_sentences)
        if not replace:
            raise ImportRefused(
                f"a document named {name!r} is already imported"
                + (" with exactly this text" if unchanged else ""),
                409, "replace",
            )
        changes = reimport_document(
            db, existing["id"], source_sentences, target_sentences, embedder, settings,
            source_path=source.filename, target_path=target.filename,
        )
        return ImportResult(name, existing["id"], len(store.links(db, existing["id"])), False,
                            changes)
    document_id, links = create_aligned_document(
        db, name, source_sentences, target_sentences, embedder, settings,
        source_lang=options.source_lang, target_lang=options.target_lang,
        source_path=source.filename, target_path=target.filename,
    )
    return ImportResult(name, document_id, links, True)


def _same_sentences(db, document_id: int, source: list[Sentence], target: list[Sentence]) -> bool:
    return [r["text"] for r in store.sentences(db, document_id, SOURCE)] == \
        [s.text for s in source] and \
        [r["text"] for r in store.sentences(db, document_id, TARGET)] == [s.text for s in target]


def _sentence_row(document_id: int, side: str, position: int, sentence: Sentence) -> dict:
    return {
        "document_id": document_id, "side": side, "position": position,
        "paragraph": sentence.paragraph, "text": sentence.text,
        "kind": getattr(sentence, "kind", "text"),
        "notes": json.dumps(list(sentence.notes)) if getattr(sentence, "notes", ()) else None,
    }


def _link_row(document_id: int, position: int, link: dict, stamp: str) -> dict:
    return {
        "document_id": document_id, "position": position,
        "source_ids": json.dumps(list(link["source_ids"])),
        "target_ids": json.dumps(list(link["target_ids"])),
        "score": float(link.get("score") or 0.0), "status": link.get("status", Status.AUTO),
        "created": link.get("created") or stamp, "updated": link.get("updated") or stamp,
        "updated_by": link.get("updated_by"),
    }


def _align_texts(db, source: list[Sentence], target: list[Sentence], embedder, settings,
                 anchors=()) -> list[Link]:
    cached = with_cache(embedder, store.SqliteEmbeddingCache(db))
    return align_sentences(source, target, cached, settings, anchors=anchors)


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


def create_aligned_document(
    db: sqlite_utils.Database,
    name: str,
    source: list[Sentence],
    target: list[Sentence],
    embedder: Embedder | None,
    settings: AlignSettings | None = None,
    *,
    source_lang: str = "fr",
    target_lang: str = "en",
    source_path: str | None = None,
    target_path: str | None = None,
) -> tuple[int, int]:
    """Align in memory, then write the document, its sentences and links in one transaction.

    With no embedder (a side is empty, e.g. unmatched parts of a compilation),
    every sentence gets a link of its own with nothing on the other side.
    """
    links = compute_links(db, source, target, embedder, settings)
    with db.atomic():
        document_id = write_document(
            db, name, source, target, links, source_lang=source_lang, target_lang=target_lang,
            source_path=source_path, target_path=target_path,
        )
    return document_id, len(links)


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
    return _align_texts(db, source, target, embedder, settings)


def write_document(
    db: sqlite_utils.Database,
    name: str,
    source: list[Sentence],
    target: list[Sentence],
    links: list[Link],
    *,
    source_lang: str,
    target_lang: str,
    source_path: str | None,
    target_path: str | None,
    compilation: str | None = None,
) -> int:
    """Insert a document, its sentences and links; call inside `db.atomic()`."""
    stamp = store.now()
    if store.get_document(db, name) is not None:
        raise ImportRefused(f"a document named {name!r} is already imported", 409)
    document_id = db["documents"].insert({
        "name": name, "source_lang": source_lang, "target_lang": target_lang,
        "source_path": source_path, "target_path": target_path, "version": 1,
        "created": stamp, "updated": stamp, "compilation": compilation,
    }).last_pk
    ids: dict[str, list[int]] = {SOURCE: [], TARGET: []}
    for side, sentences in ((SOURCE, source), (TARGET, target)):
        for position, sentence in enumerate(sentences):
            ids[side].append(
                db["sentences"].insert(_sentence_row(document_id, side, position, sentence)).last_pk
            )
    db["links"].insert_all([
        _link_row(document_id, position, {
            "source_ids": [ids[SOURCE][i] for i in link.source],
            "target_ids": [ids[TARGET][j] for j in link.target],
            "score": link.score,
        }, stamp)
        for position, link in enumerate(links)
    ])
    return document_id


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
    _refuse_if_finished(db, document_id)
    version = _document_version(db, document_id)
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
    links = _align_texts(db, source, target, embedder, settings, anchors=anchors) \
        if changes.changed else []
    return ReimportPlan(document_id, version, old, new, old_new_pairs, links,
                        dict(kept_links), changes)


def write_reimport(db: sqlite_utils.Database, plan: ReimportPlan, *,
                   source_path: str | None = None, target_path: str | None = None) -> None:
    """Write a planned re-import; call inside `db.atomic()`. Refuses (nothing written) if
    the document was finished or edited since it was planned."""
    document_id, old, new, changes = plan.document_id, plan.old, plan.new, plan.changes
    _refuse_if_changed(db, document_id, plan.version)
    stamp = store.now()
    ids: dict[str, list[int | None]] = {
        SOURCE: [None] * len(new[SOURCE]), TARGET: [None] * len(new[TARGET])
    }
    for side in (SOURCE, TARGET):
        kept_ids = {row["id"] for row, _ in plan.old_new_pairs[side]}
        for row in old[side]:
            if row["id"] not in kept_ids:
                db["sentences"].delete(row["id"])
        for row, index in plan.old_new_pairs[side]:
            values = _sentence_row(document_id, side, index, new[side][index])
            db["sentences"].update(row["id"], {
                k: values[k] for k in ("position", "paragraph", "kind", "notes")
            })
            ids[side][index] = row["id"]
        for index, sentence in enumerate(new[side]):
            if ids[side][index] is None:
                ids[side][index] = db["sentences"].insert(
                    _sentence_row(document_id, side, index, sentence)
                ).last_pk
    rows = []
    for position, link in enumerate(plan.links):
        kept = plan.kept_by_shape.get((link.source, link.target))
        if kept is not None:
            changes.links_kept += 1
            changes.reviewed_kept += kept["status"] != Status.AUTO
            row = dict(kept)
        else:
            changes.links_realigned += 1
            row = {"score": link.score, "status": Status.AUTO}
        row["source_ids"] = [ids[SOURCE][i] for i in link.source]
        row["target_ids"] = [ids[TARGET][j] for j in link.target]
        rows.append(_link_row(document_id, position, row, stamp))
        if kept is not None:
            rows[-1]["id"] = kept["id"]  # a link that stays keeps its id (`?link=` URLs)
    db["links"].delete_where("document_id = ?", [document_id])
    # Kept ids first, so that a new link can never be given one of them.
    db["links"].insert_all([row for row in rows if "id" in row])
    db["links"].insert_all([row for row in rows if "id" not in row])
    store.forget_history(db, document_id)
    db.execute(
        "update documents set version = version + 1, updated = ?, "
        "source_path = coalesce(?, source_path), target_path = coalesce(?, target_path) "
        "where id = ?",
        [stamp, source_path, target_path, document_id],
    )


def _refuse_if_finished(db: sqlite_utils.Database, document_id: int) -> None:
    """A finished document is locked: re-importing or re-aligning it waits for a reopen."""
    try:
        store.refuse_if_finished(db, document_id)
    except store.DocumentFinished as error:
        name = db.execute("select name from documents where id = ?", [document_id]).fetchone()[0]
        raise ImportRefused(f"{name}: {error}", 423) from error


def _document_version(db: sqlite_utils.Database, document_id: int) -> int:
    """The version a re-import or re-alignment plans from, checked again when it writes."""
    return db.execute("select version from documents where id = ?", [document_id]).fetchone()[0]


def _refuse_if_changed(db: sqlite_utils.Database, document_id: int, version: int) -> None:
    """Inside the write transaction: refuse if the document was finished or edited since
    `version` was read, as the links planned from it would undo that review."""
    row = db.execute("select name, version from documents where id = ?",
                     [document_id]).fetchone()
    if row is None:
        raise ImportRefused("the document was deleted while it was being aligned; "
                            "nothing was written", 409)
    name, current = row
    changed = f"{name}: the document changed while it was being aligned"
    try:
        store.refuse_if_finished(db, document_id)
    except store.DocumentFinished as error:
        raise ImportRefused(f"{changed}: {error}", 423) from error
    if current != version:
        raise ImportRefused(f"{changed} (someone edited or reviewed it); nothing was written, "
                            "run it again", 409)


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


def align_document(
    db: sqlite_utils.Database,
    document_id: int,
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    keep_reviewed: bool = True,
) -> int:
    """(Re-)align a stored document; reviewed links stay as fixed anchors. Return link count."""
    _refuse_if_finished(db, document_id)
    version = _document_version(db, document_id)
    source = store.sentences(db, document_id, store.SOURCE)
    target = store.sentences(db, document_id, store.TARGET)
    source_index = {row["id"]: i for i, row in enumerate(source)}
    target_index = {row["id"]: j for j, row in enumerate(target)}
    anchors, anchor_status = [], {}
    if keep_reviewed:
        for anchor, link in document_anchors(store.links(db, document_id), source_index,
                                             target_index,
                                             lambda link: link["status"] != Status.AUTO):
            anchors.append(anchor)
            anchor_status[(anchor.link.source, anchor.link.target)] = link["status"]
    cached = with_cache(embedder, store.SqliteEmbeddingCache(db))
    result = align(
        [row["text"] for row in source],
        [row["text"] for row in target],
        cached,
        settings,
        source_paragraphs=[row["paragraph"] for row in source],
        target_paragraphs=[row["paragraph"] for row in target],
        anchors=anchors,
    )
    with db.atomic():
        _refuse_if_changed(db, document_id, version)
        return store.replace_links(
            db,
            document_id,
            (
                {
                    "source_ids": [source[i]["id"] for i in link.source],
                    "target_ids": [target[j]["id"] for j in link.target],
                    "score": link.score,
                    "status": anchor_status.get((link.source, link.target), Status.AUTO),
                }
                for link in result
            ),
        )


def import_pairs(
    db: sqlite_utils.Database,
    pairs: list[DocumentPair],
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    options: ImportOptions | None = None,
    update_existing: bool = True,
    progress: Callable[[DocumentPair], None] | None = None,
) -> list[ImportResult]:
    """Bring each pair into the database: import new ones, update changed ones.

    A document whose files have not changed since its last import is left as it
    is, with the edits made in the browser; one whose text is the same but was
    imported another way is only re-aligned (reviewed links stay); a changed one
    is re-imported sentence by sentence (`reimport_document`), or refused when
    `update_existing` is false.
    """
    options = options or ImportOptions()
    results = []
    for pair in pairs:
        source = InputFile.from_path(pair.source_path, options.max_bytes)
        target = InputFile.from_path(pair.target_path, options.max_bytes)
        fingerprint = file_fingerprint(source, target)
        existing = store.get_document(db, pair.name)
        if existing is not None and existing.get("file_fingerprint") == fingerprint:
            # The files have not changed since they were imported: leave the document,
            # its review and the translator's edits in the browser exactly as they are.
            results.append(ImportResult(pair.name, existing["id"],
                                        len(store.links(db, existing["id"])), False, Changes()))
        elif existing is not None and update_existing:
            source_sentences = prepare_side(source, options.source_lang, options.target_lang,
                                            options)
            target_sentences = prepare_side(target, options.target_lang, options.source_lang,
                                            options)
            results.append(update_stored_document(
                db, pair, existing, source_sentences, target_sentences, embedder, settings))
        else:
            results.append(import_document(
                db, pair.name, source, target, embedder, settings, options=options,
            ))
        db["documents"].update(results[-1].document_id, {"file_fingerprint": fingerprint})
        if progress:
            progress(pair)
    return results


def update_stored_document(
    db: sqlite_utils.Database,
    pair: DocumentPair,
    existing: dict,
    source_sentences: list[Sentence],
    target_sentences: list[Sentence],
    embedder: Embedder,
    settings: AlignSettings | None = None,
) -> ImportResult:
    """A stored document whose files changed: only re-aligned if its sentences are the same
    (reviewed links stay as anchors), else re-imported sentence by sentence."""
    if _same_sentences(db, existing["id"], source_sentences, target_sentences):
        links = align_document(db, existing["id"], embedder, settings)
        return ImportResult(pair.name, existing["id"], links, False, Changes())
    changes = reimport_document(
        db, existing["id"], source_sentences, target_sentences, embedder, settings,
        source_path=str(pair.source_path), target_path=str(pair.target_path),
    )
    return ImportResult(pair.name, existing["id"], len(store.links(db, existing["id"])), False,
                        changes)


def file_fingerprint(source: InputFile, target: InputFile) -> str:
    """Identifies the exact files a corpus document was last imported from."""
    digest = hashlib.sha1(source.data)
    digest.update(b"\0")
    digest.update(target.data)
    return digest.hexdigest()


def import_and_align(
    db: sqlite_utils.Database,
    pairs: list[DocumentPair],
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    presegmented: bool = False,
    replace: bool = False,
    progress: Callable[[DocumentPair], None] | None = None,
) -> list[int]:
    """Import each new pair and align it; stored ones are updated and re-aligned."""
    results = import_pairs(
        db, pairs, embedder, settings, options=ImportOptions(presegmented=presegmented),
        progress=progress,
    )
    return [result.document_id for result in results]


# --- compilations ---------------------------------------------------------------


@dataclass(frozen=True)
class CompilationResult:
    """One document per original with its matched part, and one for what matched nothing."""

    parts: list[ImportResult]
    unmatched: ImportResult | None
    split: Split
    paragraphs: list[str]

    def summary(self) -> str:
        lines = [
            f"{part.name}: {len(self.split.paragraphs_of(k))} paragraph(s) matched, "
            f"{part.links} links"
            for k, part in enumerate(self.parts)
        ]
        if self.unmatched is not None:
            lines.append(
                f"{self.unmatched.name}: {len(self.split.unmatched())} paragraph(s) left "
                "unmatched (introduction, captions, boilerplate...)"
            )
        return "\n".join(lines)


def _by_paragraph(sentences: list[Sentence]) -> list[tuple[int, list[Sentence]]]:
    groups: dict[int, list[Sentence]] = {}
    for sentence in sentences:
        groups.setdefault(sentence.paragraph, []).append(sentence)
    return sorted(groups.items())


def unmatched_name(name: str) -> str:
    return f"{name}-unmatched"


def import_compilation(
    db: sqlite_utils.Database,
    name: str,
    compilation: InputFile,
    originals: list[InputFile],
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    options: ImportOptions | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    assignment: list[int | None] | None = None,
) -> CompilationResult:
    """Split a translated compilation among its originals, and align each part with its original.

    Creates `NAME-ORIGINAL` for each original (its sentences, and the matched
    paragraphs of the compilation) and `NAME-unmatched` for the compilation
    paragraphs that match no original, each of its sentences in a link of its
    own with no French side. All in one transaction. `assignment` (one original
    index or None per compilation paragraph) overrides the automatic split.
    """
    options = options or ImportOptions()
    check_name(name)
    if not originals:
        raise ImportRefused("a compilation needs at least one original")
    names = [compilation_part_name(name, original.filename) for original in originals]
    if len(set(names)) != len(originals):
        raise ImportRefused("two originals have the same file name; rename one of them")
    target = prepare_side(compilation, options.target_lang, options.source_lang, options)
    sources = [
        prepare_side(original, options.source_lang, options.target_lang, options)
        for original in originals
    ]
    taken = [n for n in [*names, unmatched_name(name)] if store.get_document(db, n) is not None]
    if taken:
        raise ImportRefused(
            "these documents are already imported: " + ", ".join(taken)
            + ". Choose another name, or delete them first.", 409,
        )
    groups = _by_paragraph(target)
    paragraphs = [" ".join(s.text for s in sentences) for _, sentences in groups]
    cached = with_cache(embedder, store.SqliteEmbeddingCache(db))
    if assignment is not None:
        if len(assignment) != len(paragraphs) or any(
            part is not None and not 0 <= part < len(originals) for part in assignment
        ):
            raise ImportRefused("the corrected split does not fit this compilation")
        split = Split(list(assignment), [0.0] * len(assignment))
    else:
        split = split_compilation(
            paragraphs,
            [
                [" ".join(s.text for s in ss) for _, ss in _by_paragraph(source)]
                for source in sources
            ],
            cached,
            threshold,
        )
    def paragraphs_sentences(chosen: set[int]) -> list[Sentence]:
        return [s for index, (_, ss) in enumerate(groups) if index in chosen for s in ss]

    planned = [
        (part_name, original.filename, source, part_target,
         compute_links(db, source, part_target, embedder, settings))
        for k, (part_name, original, source) in enumerate(zip(names, originals, sources,
                                                               strict=True))
        for part_target in [paragraphs_sentences(set(split.paragraphs_of(k)))]
    ]
    rest = paragraphs_sentences(set(split.unmatched()))
    if rest:
        planned.append((unmatched_name(name), None, [], rest, compute_links(db, [], rest, None)))
    results: list[ImportResult] = []
    with db.atomic():
        for part_name, source_path, source, part_target, links in planned:
            document_id = write_document(
                db, part_name, source, part_target, links,
                source_lang=options.source_lang, target_lang=options.target_lang,
                source_path=source_path, target_path=compilation.filename, compilation=name,
            )
            if part_name == unmatched_name(name):  # no counterpart, by design
                store.mark_links(db, document_id, Status.EXCLUDED)
            results.append(ImportResult(part_name, document_id, len(links), True))
    parts = results[: len(originals)]
    unmatched = results[len(originals)] if rest else None
    return CompilationResult(parts, unmatched, split, paragraphs)


def compilation_documents(db: sqlite_utils.Database, name: str) -> list[dict]:
    """The documents split from compilation `name`, originals first, the unmatched part last."""
    rows = list(db["documents"].rows_where("compilation = ?", [name], order_by="id"))
    return sorted(rows, key=lambda row: row["name"] == unmatched_name(name))


def compilation_paragraphs(db: sqlite_utils.Database, name: str) -> list[dict]:
    """Every paragraph of a compilation in reading order, with the document now holding it."""
    paragraphs: dict[int, dict] = {}
    for document in compilation_documents(db, name):
        for row in store.sentences(db, document["id"], TARGET):
            entry = paragraphs.setdefault(
                row["paragraph"], {"paragraph": row["paragraph"], "document": document["name"],
                                   "sentences": []}
            )
            entry["sentences"].append(row)
    return [paragraphs[number] for number in sorted(paragraphs)]


def resplit_compilation(
    db: sqlite_utils.Database,
    name: str,
    assignment: dict[int, str],
    embedder: Embedder,
    settings: AlignSettings | None = None,
) -> dict[str, Changes]:
    """Move compilation paragraphs between its documents (the translator's correction).

    `assignment` maps a paragraph number to the name of a document of this
    compilation (or of `NAME-unmatched`). Each document is re-imported with its
    new English part, so links between paragraphs that did not move are kept.
    """
    documents = {d["name"]: d for d in compilation_documents(db, name)}
    if not documents:
        raise ImportRefused(f"there is no compilation named {name!r}", 404)
    paragraphs = compilation_paragraphs(db, name)
    rest = unmatched_name(name)
    unknown = sorted(set(assignment.values()) - set(documents) - {rest})
    if unknown:
        raise ImportRefused("not a part of this compilation: " + ", ".join(unknown))
    wanted: dict[str, list[Sentence]] = {n: [] for n in [*documents, rest]}
    for paragraph in paragraphs:
        owner = assignment.get(paragraph["paragraph"], paragraph["document"])
        wanted[owner] += [
            Sentence(row["text"], row["paragraph"], row["kind"],
                     tuple(json.loads(row["notes"])) if row["notes"] else ())
            for row in paragraph["sentences"]
        ]
    # Plan every part first (this refuses a finished one that would change), then write
    # them all in one transaction: a paragraph is never left in no document, or in two.
    plans: list[tuple[str, ReimportPlan]] = []
    for document_name, target in wanted.items():
        document = documents.get(document_name)
        if document is None:
            continue
        current = store.sentences(db, document["id"], TARGET)
        if [(row["text"], row["paragraph"]) for row in current] == \
                [(s.text, s.paragraph) for s in target]:
            continue  # nothing moved into or out of this part
        source = [
            Sentence(row["text"], row["paragraph"], row["kind"],
                     tuple(json.loads(row["notes"])) if row["notes"] else ())
            for row in store.sentences(db, document["id"], SOURCE)
        ]
        plans.append((document_name,
                      plan_reimport(db, document["id"], source, target, embedder, settings)))
    changes: dict[str, Changes] = {}
    with db.atomic():
        for document_name, plan in plans:
            if plan.changes.changed:
                write_reimport(db, plan)
                changes[document_name] = plan.changes
            if document_name == rest:  # what the translator moved here has no counterpart
                store.mark_links(db, plan.document_id, Status.EXCLUDED)
        target = wanted[rest]
        if rest not in documents and target:
            some = next(iter(documents.values()))
            document_id = write_document(
                db, rest, [], target, compute_links(db, [], target, None),
                source_lang=some["source_lang"], target_lang=some["target_lang"],
                source_path=None, target_path=some["target_path"], compilation=name,
            )
            store.mark_links(db, document_id, Status.EXCLUDED)
            changes[rest] = Changes(added={SOURCE: [], TARGET: [s.text for s in target]})
    return changes
