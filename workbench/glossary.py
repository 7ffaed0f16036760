"""Glossary exchange formats: TBX for terminology tools, tab-separated text for OmegaT.

Pure functions over plain entries (dicts with `source_term`, `target_term`,
`note`); the database side is `workbench.glossary_store`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.export import from_spreadsheet_cell, spreadsheet_cell

TBX_DOCTYPE = '<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">'
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class GlossaryFormatError(ValueError):
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


def from_tsv(text: str) -> list[Entry]:
    """Read OmegaT's format; `#` lines and blank lines are skipped.

    A line needs a source and a target; a fourth column or more is an error
    rather than silently dropped text.
    """
    entries = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [from_spreadsheet_cell(field.strip()) for field in line.split("\t")]
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
