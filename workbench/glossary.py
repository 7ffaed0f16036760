"""Glossary exchange formats: TBX for terminology tools, tab-separated text for OmegaT.

Pure functions over plain entries (dicts with `source_term`, `target_term`,
`note`); the database side is `workbench.store.glossary`. Imported files are
read whole and checked before anything is stored, so a bad file imports nothing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.errors import DomainError
from workbench.export import from_spreadsheet_cell, spreadsheet_cell

MAX_IMPORT_BYTES = 5 * 1024 * 1024
"""A glossary file larger than this is refused (a termbase of 50,000 entries is about 3 MB)."""
HEADER_WORDS = frozenset((
    "source", "target", "term", "terms", "translation", "translations", "comment", "comments",
    "note", "notes", "src", "tgt", "original", "approved", "french", "english", "français",
    "francais", "anglais", "german", "spanish",
))
LANGUAGE_CODES = frozenset((
    "fr", "en", "de", "es", "it", "pt", "nl", "ru", "zh", "ja", "ar", "pl", "sv", "da", "fi",
    "no", "el", "tr", "cs", "hu", "ro",
))

TBX_DOCTYPE = '<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">'
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class GlossaryFormatError(DomainError):
    """An imported glossary line cannot be read; the message names the line."""


@dataclass(frozen=True)
class Entry:
    source_term: str
    target_term: str
    note: str = ""


def _one_line(text: str) -> str:
    """Tabs and line breaks would break the tab-separated format: make them spaces."""
    return re.sub(r"\s+", " ", text or "").strip()


def to_tsv(entries: Iterable[Entry]) -> str:
    """OmegaT's glossary format: source, target, comment, one entry a line, UTF-8."""
    lines = []
    for entry in entries:
        fields = [_one_line(entry.source_term), _one_line(entry.target_term)]
        if _one_line(entry.note):
            fields.append(_one_line(entry.note))
        lines.append("\t".join(spreadsheet_cell(field) for field in fields))
    return "".join(line + "\n" for line in lines)


def check_size(size: int) -> None:
    """Refuse a file too large to import at once, before reading it all."""
    if size > MAX_IMPORT_BYTES:
        raise GlossaryFormatError(
            f"the file is {size / 1024 / 1024:.1f} MB; a glossary import takes at most "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB: split it into smaller files"
        )


def _names_a_column(field: str) -> bool:
    """`Source term`, `target_term`, `Comment`, `fr`, `en-GB`: a column's name, not a term."""
    words = re.sub(r"[\s_]+", " ", field.casefold()).split()
    if len(words) == 1 and words[0].replace("_", "-").split("-")[0] in LANGUAGE_CODES:
        return len(words[0]) in (2, 5)
    return bool(words) and all(word in HEADER_WORDS for word in words)


def is_header(fields: list[str]) -> bool:
    """A first line naming the columns (`source<TAB>target`, `fr<TAB>en<TAB>note`)."""
    return (len(fields) >= 2 and _names_a_column(fields[0]) and _names_a_column(fields[1])
            and all(not field or _names_a_column(field) for field in fields[2:]))


def from_tsv(text: str) -> list[Entry]:
    """Read OmegaT's format; `#` lines, blank lines and a header line are skipped.

    A line needs a source and a target; a fourth column or more is an error
    rather than silently dropped text. The first line is a header when it
    names columns or languages (`source<TAB>target`, `fr<TAB>en<TAB>comment`).
    """
    entries = []
    first = True
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [from_spreadsheet_cell(field.strip()) for field in line.split("\t")]
        if first:
            first = False
            if is_header(fields):
                continue
        if len(fields) < 2 or not fields[0] or not fields[1]:
            raise GlossaryFormatError(
                f"line {number}: expected 'source<TAB>target[<TAB>comment]', got {line!r}"
            )
        if len(fields) > 3:
            raise GlossaryFormatError(
                f"line {number}: {len(fields)} tab-separated columns, at most 3 expected"
            )
        entries.append(Entry(fields[0], fields[1], fields[2] if len(fields) == 3 else ""))
    return entries


def to_tbx(entries: Iterable[Entry], source_lang: str, target_lang: str) -> str:
    """A TBX (ISO 30042, TBX-Basic style) document: one termEntry per glossary entry."""
    martif = ET.Element("martif", {"type": "TBX", XML_LANG: source_lang})
    header = ET.SubElement(martif, "martifHeader")
    description = ET.SubElement(ET.SubElement(header, "fileDesc"), "sourceDesc")
    ET.SubElement(description, "p").text = "Glossary exported by the alignment workbench"
    body = ET.SubElement(ET.SubElement(martif, "text"), "body")
    for number, entry in enumerate(entries, start=1):
        term_entry = ET.SubElement(body, "termEntry", {"id": f"entry-{number}"})
        if entry.note:
            ET.SubElement(term_entry, "note").text = entry.note
        for lang, term in ((source_lang, entry.source_term), (target_lang, entry.target_term)):
            lang_set = ET.SubElement(term_entry, "langSet", {XML_LANG: lang})
            ET.SubElement(ET.SubElement(lang_set, "tig"), "term").text = term
    ET.indent(martif)
    body_xml = ET.tostring(martif, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{TBX_DOCTYPE}\n{body_xml}\n'


# --- TBX import -------------------------------------------------------------------

TBX_ENTRY = {"termEntry", "conceptEntry"}
TBX_LANGUAGE = {"langSet", "langSec"}
TBX_NOTE_TYPES = {"definition", "context", "explanation"}


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element) -> str:
    return _one_line("".join(element.itertext()))


def _primary(lang: str | None) -> str:
    return (lang or "").replace("_", "-").split("-")[0].casefold()


def from_tbx(data: bytes, source_lang: str, target_lang: str) -> list[Entry]:
    """The (source, target) term pairs of a TBX file, with its notes.

    Reads TBX-Basic and TBX v2 (`martif`, `termEntry/langSet/tig|ntig`) and TBX
    v3 (`tbx`, `conceptEntry/langSec/termSec`), namespaced or not. Languages
    match by their primary subtag (`fr-FR` is `fr`). Synonyms give one entry
    per source and target term. The parser never fetches anything and expands
    no entity, so a hostile file cannot reach the network or the disk, or
    blow up in memory.
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise GlossaryFormatError(f"not a well-formed TBX file: {error}") from error
    if _local(root) not in {"martif", "tbx"}:
        raise GlossaryFormatError(
            f"not a TBX file: the root element is <{_local(root)}>, not <martif> or <tbx>"
        )
    wanted = _primary(source_lang), _primary(target_lang)
    entries: list[Entry] = []
    seen_languages: set[str] = set()
    for concept in (e for e in root.iter() if _local(e) in TBX_ENTRY):
        terms: dict[str, list[str]] = {wanted[0]: [], wanted[1]: []}
        notes: list[str] = []
        for element in concept.iter():
            name = _local(element)
            if name in TBX_LANGUAGE:
                lang = _primary(element.get(XML_LANG) or element.get("lang"))
                seen_languages.add(lang)
                if lang in terms:
                    terms[lang] += [t for t in (_text(term) for term in element.iter()
                                                if _local(term) == "term") if t]
            elif name == "note" or (name == "descrip" and element.get("type") in TBX_NOTE_TYPES):
                text = _text(element)
                if text and text not in notes:
                    notes.append(text)
        note = "; ".join(notes)
        for source_term in dict.fromkeys(terms[wanted[0]]):
            for target_term in dict.fromkeys(terms[wanted[1]]):
                entries.append(Entry(source_term, target_term, note))
    if not entries:
        found = ", ".join(sorted(seen_languages - {""})) or "none"
        raise GlossaryFormatError(
            f"no TBX entry has both a {source_lang} and a {target_lang} term "
            f"(languages in the file: {found})"
        )
    return entries


def looks_like_tbx(data: bytes, filename: str = "") -> bool:
    """A `.tbx` file name, or XML whose first element is <martif> or <tbx>."""
    if filename.casefold().endswith(".tbx"):
        return True
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and re.search(rb"<(martif|tbx)[\s>]", head) is not None


def read_glossary(data: bytes, filename: str, source_lang: str, target_lang: str) -> list[Entry]:
    """An uploaded or given glossary file, TBX or tab-separated, checked whole."""
    check_size(len(data))
    if looks_like_tbx(data, filename):
        return from_tbx(data, source_lang, target_lang)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise GlossaryFormatError(
            f"the file is not UTF-8 text (byte {error.start}): save it as UTF-8, or as TBX"
        ) from error
    return from_tsv(text)
