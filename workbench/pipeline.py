"""Glue between the pure stages and the store: read, segment, save, align, save."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from workbench import store
from workbench.align import AlignSettings, Link, align
from workbench.embed import CachedEmbedder, Embedder
from workbench.segment import Sentence, read_presegmented, segment

SOURCE_DIR, TARGET_DIR = "fr", "en"


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


def read_text(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path} is not UTF-8 text ({error.reason})") from error
    if not text.strip():
        raise CorpusError(f"{path} is empty")
    return text


def read_sentences(path: Path, lang: str, presegmented: bool = False) -> list[Sentence]:
    text = read_text(path)
    return read_presegmented(text) if presegmented else segment(text, lang)


def import_pair(
    db: sqlite_utils.Database,
    pair: DocumentPair,
    *,
    source_lang: str = "fr",
    target_lang: str = "en",
    presegmented: bool = False,
    replace: bool = False,
) -> int:
    """Segment both files and store them as one document; return its id."""
    source = read_sentences(pair.source_path, source_lang, presegmented)
    target = read_sentences(pair.target_path, target_lang, presegmented)
    existing = store.get_document(db, pair.name)
    if existing is not None and replace:
        store.delete_document(db, existing["id"])
    return store.create_document(
        db, pair.name, source, target, source_lang=source_lang, target_lang=target_lang,
        source_path=str(pair.source_path), target_path=str(pair.target_path),
    )


def align_document(
    db: sqlite_utils.Database,
    document_id: int,
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    keep_reviewed: bool = True,
) -> int:
    """(Re-)align a stored document; reviewed links stay as fixed anchors. Return link count."""
    source = store.sentences(db, document_id, store.SOURCE)
    target = store.sentences(db, document_id, store.TARGET)
    source_index = {row["id"]: i for i, row in enumerate(source)}
    target_index = {row["id"]: j for j, row in enumerate(target)}
    anchors, anchor_status = [], {}
    if keep_reviewed:
        for link in store.links(db, document_id):
            if link["status"] == store.AUTO:
                continue
            anchor = Link(
                tuple(source_index[i] for i in link["source_ids"]),
                tuple(target_index[j] for j in link["target_ids"]),
                link["score"] or 0.0,
            )
            anchors.append(anchor)
            anchor_status[(anchor.source, anchor.target)] = link["status"]
    cached = CachedEmbedder(embedder, store.SqliteEmbeddingCache(db))
    result = align(
        [row["text"] for row in source],
        [row["text"] for row in target],
        cached,
        settings,
        source_paragraphs=[row["paragraph"] for row in source],
        target_paragraphs=[row["paragraph"] for row in target],
        anchors=anchors,
    )
    return store.replace_links(
        db,
        document_id,
        (
            {
                "source_ids": [source[i]["id"] for i in link.source],
                "target_ids": [target[j]["id"] for j in link.target],
                "score": link.score,
                "status": anchor_status.get((link.source, link.target), store.AUTO),
            }
            for link in result
        ),
    )


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
    """Import each pair that is not in the database yet (or all, with `replace`), and align it."""
    ids = []
    for pair in pairs:
        existing = store.get_document(db, pair.name)
        if existing is not None and not replace:
            document_id = existing["id"]
        else:
            document_id = import_pair(db, pair, presegmented=presegmented, replace=replace)
        align_document(db, document_id, embedder, settings)
        ids.append(document_id)
        if progress:
            progress(pair)
    return ids
