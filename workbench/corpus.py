"""What an import reads: a corpus folder's French–English pairs, the files' bytes, and
the fingerprint that tells whether a pair's files changed since their last import."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import DomainError, ErrorKind
from workbench.readers import DEFAULT_MAX_BYTES

SOURCE_DIR, TARGET_DIR = "fr", "en"


class CorpusError(DomainError):
    """The corpus folder or a file in it cannot be used; the message says why."""


class ImportRefused(CorpusError):
    """An import that was refused before anything was written; `kind` says why (too large,
    already imported, finished...), for the web layer to answer with its HTTP status.

    `remedy` names the setting that would let it through ("language_check", "replace",
    "max_size"), for the command line to word as a flag and the web page as a checkbox."""

    def __init__(self, message: str, *, kind: ErrorKind = ErrorKind.INVALID,
                 remedy: str | None = None) -> None:
        super().__init__(message, kind=kind)
        self.remedy = remedy


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
                f"{max_bytes / 1e6:.1f} MB); split it, or raise the limit",
                kind=ErrorKind.TOO_LARGE, remedy="max_size",
            )
        return cls(path.name, path.read_bytes())


def file_fingerprint(source: InputFile, target: InputFile) -> str:
    """Identifies the exact files a corpus document was last imported from."""
    digest = hashlib.sha1(source.data)
    digest.update(b"\0")
    digest.update(target.data)
    return digest.hexdigest()
