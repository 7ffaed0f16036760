"""Read the pairs to export from the store, shared by the `export` command and the web downloads."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from workbench import store
from workbench.errors import ErrorKind
from workbench.export import (
    FORMATS,
    ExportError,
    ExportPair,
    Languages,
    Rendered,
    render,
    resolve_language,
    select_pairs,
)
from workbench.status import NOT_EXPORTED
from workbench.store import documents as stored_documents

CORPUS_NAME = "corpus"


class UnknownDocument(ExportError):
    """No document has the requested name."""

    kind = ErrorKind.NOT_FOUND


@dataclass(frozen=True)
class ExportRequest:
    format: str
    document: str | None = None  # None: the whole corpus
    confirmed_only: bool = False
    min_score: float | None = None
    source_lang: str | None = None  # e.g. fr-FR; default from the document's language
    target_lang: str | None = None


@dataclass(frozen=True)
class Export:
    name: str  # file name stem: the document's name, or "corpus"
    rendered: Rendered
    languages: Languages
    documents: int


def file_stem(name: str) -> str:
    """A document name made safe as a file name on any system."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "export"


def document_pairs(db: sqlite_utils.Database, document: dict) -> list[ExportPair]:
    """A document's links as export pairs, each side's sentences joined by one space."""
    return [
        ExportPair(
            document=document["name"],
            position=link["position"],
            source=" ".join(s["text"] for s in link["source"]),
            target=" ".join(s["text"] for s in link["target"]),
            score=float(link["score"] or 0.0),
            status=link["status"],
            changed=_stored_time(link["updated"]),
            changed_by=link["updated_by"],
        )
        for link in store.pairs(db, document["id"])
        if link["status"] not in NOT_EXPORTED  # not for translation: kept for context only
    ]


def _stored_time(value: str | None) -> datetime | None:
    """The store's `2026-03-18T09:05:07Z`, or None when absent or unreadable."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def export_languages(documents: list[dict], request: ExportRequest) -> Languages:
    """One language pair for the whole file; a corpus mixing languages cannot be one TM."""
    stored = {(d["source_lang"], d["target_lang"]) for d in documents}
    if len(stored) > 1:
        listing = ", ".join(f"{s}-{t}" for s, t in sorted(stored))
        raise ExportError(
            f"the corpus mixes language pairs ({listing}); export one document at a time"
        )
    source_lang, target_lang = stored.pop()
    languages = Languages(
        resolve_language(source_lang, request.source_lang),
        resolve_language(target_lang, request.target_lang),
    )
    if languages.source_language == languages.target_language:
        raise ExportError(f"source and target are both {languages.source_language!r}")
    return languages


def build_export(
    db: sqlite_utils.Database, request: ExportRequest, *, created: datetime | None = None
) -> Export:
    """Select the pairs REQUEST asks for and write them in its format."""
    if request.min_score is not None and not 0.0 <= request.min_score <= 1.0:
        raise ExportError(f"the minimum score must be between 0 and 1, not {request.min_score}")
    if request.format not in FORMATS:
        raise ExportError(f"unknown format {request.format!r}; choose one of {', '.join(FORMATS)}")
    with store.snapshot(db):  # every document and pair as of one moment
        if request.document is not None:
            document = store.get_document(db, request.document)
            if document is None:
                raise UnknownDocument(
                    f"no document named {request.document!r}; `workbench status` lists them"
                )
            documents = [document]
        else:
            documents = stored_documents.all_documents(db)
            if not documents:
                raise ExportError("there are no documents yet: run `workbench align` first")
        languages = export_languages(documents, request)
        pairs = list(select_pairs(
            (pair for document in documents for pair in document_pairs(db, document)),
            confirmed_only=request.confirmed_only,
            min_score=request.min_score,
        ))
    name = file_stem(request.document) if request.document is not None else CORPUS_NAME
    rendered = render(request.format, pairs, languages, created=created)
    return Export(name, rendered, languages, len(documents))


def output_paths(export: Export, out: str | Path | None, default_folder: Path) -> list[Path]:
    """Where to write EXPORT's files.

    Without OUT: DEFAULT_FOLDER/NAME.EXT. OUT naming an existing folder, or
    ending with a slash: that folder. Otherwise OUT is the file itself or, for
    the two Moses files, a prefix to which `.fr` and `.en` are added.
    """
    files = export.rendered.files
    if out is None:
        folder, stem = default_folder, export.name
    elif Path(out).is_dir() or str(out).endswith(("/", os.sep)):
        folder, stem = Path(out), export.name
    elif len(files) == 1:
        return [Path(out)]
    else:
        folder, stem = Path(out).parent, Path(out).name
    return [folder / f"{stem}{suffix}" for suffix, _ in files]


def write_export(export: Export, paths: list[Path]) -> None:
    for path, (_, content) in zip(paths, export.rendered.files, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
