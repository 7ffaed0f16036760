"""Importing a compilation: one document per original with its part of the compilation,
one for what matches none; and the translator's correction of that split afterwards.

Which paragraphs go where is decided by `workbench.compilation` (pure); this module
reads the files, aligns each part and writes them through the import's functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from workbench import store
from workbench.align import AlignSettings
from workbench.aligning import compute_links
from workbench.compilation import (
    DEFAULT_THRESHOLD,
    Split,
    paragraph_groups,
    part_name,
    split_compilation,
    unmatched_name,
)
from workbench.corpus import ImportRefused, InputFile
from workbench.embed import Embedder, with_cache
from workbench.errors import ErrorKind
from workbench.importing import (
    ImportOptions,
    ImportResult,
    check_name,
    prepare_side,
    write_document,
)
from workbench.reimport import Changes, ReimportPlan, plan_reimport, write_reimport
from workbench.segment import Sentence
from workbench.status import Status
from workbench.store.documents import compilation_documents as stored_compilation_documents
from workbench.store.documents import stored_sentences
from workbench.store.rows import row_sentence

SOURCE, TARGET = store.SOURCE, store.TARGET


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


def _part_names(name: str, originals: list[InputFile]) -> list[str]:
    """Each original's document name, checked like any document name."""
    names = []
    for original in originals:
        part = part_name(name, original.filename)
        try:
            check_name(part)
        except ImportRefused as error:
            raise ImportRefused(f"{error} (the part made from {original.filename}: rename "
                                "that file)") from error
        names.append(part)
    return names


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
    names = _part_names(name, originals)
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
            + ". Choose another name, or delete them first.", kind=ErrorKind.CONFLICT,
        )
    groups = paragraph_groups(target)
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
                [" ".join(s.text for s in ss) for _, ss in paragraph_groups(source)]
                for source in sources
            ],
            cached,
            threshold,
        )
    def paragraphs_sentences(chosen: set[int]) -> list[Sentence]:
        return [s for index, (_, ss) in enumerate(groups) if index in chosen for s in ss]

    planned = [
        (part, original.filename, source, part_target,
         compute_links(db, source, part_target, embedder, settings))
        for k, (part, original, source) in enumerate(zip(names, originals, sources,
                                                         strict=True))
        for part_target in [paragraphs_sentences(set(split.paragraphs_of(k)))]
    ]
    rest = paragraphs_sentences(set(split.unmatched()))
    if rest:
        planned.append((unmatched_name(name), None, [], rest, compute_links(db, [], rest, None)))
    results: list[ImportResult] = []
    with db.atomic():
        for part, source_path, source, part_target, links in planned:
            document_id = write_document(
                db, part, source, part_target, links,
                source_lang=options.source_lang, target_lang=options.target_lang,
                source_path=source_path, target_path=compilation.filename, compilation=name,
            )
            if part == unmatched_name(name):  # no counterpart, by design
                store.mark_links(db, document_id, Status.EXCLUDED)
            results.append(ImportResult(part, document_id, len(links), True))
    parts = results[: len(originals)]
    unmatched = results[len(originals)] if rest else None
    return CompilationResult(parts, unmatched, split, paragraphs)


def compilation_documents(db: sqlite_utils.Database, name: str) -> list[dict]:
    """The documents split from compilation `name`, originals first, the unmatched part last."""
    rows = stored_compilation_documents(db, name)
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
        raise ImportRefused(f"there is no compilation named {name!r}", kind=ErrorKind.NOT_FOUND)
    paragraphs = compilation_paragraphs(db, name)
    rest = unmatched_name(name)
    unknown = sorted(set(assignment.values()) - set(documents) - {rest})
    if unknown:
        raise ImportRefused("not a part of this compilation: " + ", ".join(unknown))
    wanted: dict[str, list[Sentence]] = {n: [] for n in [*documents, rest]}
    for paragraph in paragraphs:
        owner = assignment.get(paragraph["paragraph"], paragraph["document"])
        wanted[owner] += [row_sentence(row) for row in paragraph["sentences"]]
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
        source = stored_sentences(db, document["id"], SOURCE)
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
