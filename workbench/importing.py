"""Importing a document: check its name and files, segment them, align, and write it all in
one transaction; every check runs before the first write, so a refused import leaves
the database as it was. A corpus's pairs are imported, updated or left alone."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from workbench import store
from workbench.align import AlignSettings, Link
from workbench.aligning import align_stored, compute_links
from workbench.corpus import DocumentPair, ImportRefused, InputFile, file_fingerprint
from workbench.embed import Embedder
from workbench.errors import ErrorKind
from workbench.readers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PARAGRAPHS,
    DEFAULT_MAX_SENTENCES,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    ReadError,
    check_language,
    read_bytes,
)
from workbench.reimport import Changes, reimport_document
from workbench.segment import Sentence, TooManySegments, read_presegmented, segment
from workbench.store.documents import insert_document, set_file_fingerprint

SOURCE, TARGET = store.SOURCE, store.TARGET


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
class ImportResult:
    name: str
    document_id: int
    links: int
    created: bool
    changes: Changes | None = None


# --- checks: nothing is written ---------------------------------------------------------


NAME_FORBIDDEN = "/\\%#?"
UNSAFE_CATEGORIES = frozenset(("Cc", "Cs", "Zl", "Zp"))
"""Control characters (C0, DEL and C1), lone surrogates (a file name that is not UTF-8),
and the line and paragraph separators."""


def check_name(name: str) -> None:
    """Names are one URL path segment and a file name: nothing a browser would read as a
    separator, an escape, a query or a fragment, no control character, not `.` or `..`."""
    if not name or not name.strip():
        raise ImportRefused("the document needs a name")
    if (name != name.strip() or name in (".", "..")
            or any(c in NAME_FORBIDDEN or unicodedata.category(c) in UNSAFE_CATEGORIES
                   for c in name)):
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
        raise ImportRefused(str(error), kind=error.kind, remedy=error.remedy) from error
    except TooManySegments as error:
        raise ImportRefused(
            f"{upload.filename} holds {error}, the most one import may hold; split it into "
            "several documents", kind=ErrorKind.TOO_LARGE,
        ) from error
    if len(sentences) > options.max_sentences:
        raise ImportRefused(
            f"{upload.filename} holds {len(sentences):,} sentences, more than the "
            f"{options.max_sentences:,} one import may hold; split it into several documents",
            kind=ErrorKind.TOO_LARGE,
        )
    if not sentences:
        raise ImportRefused(f"{upload.filename} holds no sentence to import")
    return sentences


def same_sentences(db: sqlite_utils.Database, document_id: int, source: list[Sentence],
                   target: list[Sentence]) -> bool:
    """Whether a stored document holds exactly these sentence texts."""
    return [r["text"] for r in store.sentences(db, document_id, SOURCE)] == \
        [s.text for s in source] and \
        [r["text"] for r in store.sentences(db, document_id, TARGET)] == [s.text for s in target]


# --- one document -------------------------------------------------------------------------


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
        unchanged = same_sentences(db, existing["id"], source_sentences, target_sentences)
        if not replace:
            raise ImportRefused(
                f"a document named {name!r} is already imported"
                + (" with exactly this text" if unchanged else ""),
                kind=ErrorKind.CONFLICT, remedy="replace",
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
    """Insert a document, its sentences and links; call inside `db.atomic()`. Refuses a
    name already taken (someone imported it while this one was aligned)."""
    if store.get_document(db, name) is not None:
        raise ImportRefused(f"a document named {name!r} is already imported",
                            kind=ErrorKind.CONFLICT)
    return insert_document(db, name, source, target, links, source_lang=source_lang,
                           target_lang=target_lang, source_path=source_path,
                           target_path=target_path, compilation=compilation)


# --- a corpus -----------------------------------------------------------------------------


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
        set_file_fingerprint(db, results[-1].document_id, fingerprint)
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
    if same_sentences(db, existing["id"], source_sentences, target_sentences):
        links = align_stored(db, existing["id"], embedder, settings)
        return ImportResult(pair.name, existing["id"], links, False, Changes())
    changes = reimport_document(
        db, existing["id"], source_sentences, target_sentences, embedder, settings,
        source_path=str(pair.source_path), target_path=str(pair.target_path),
    )
    return ImportResult(pair.name, existing["id"], len(store.links(db, existing["id"])), False,
                        changes)
