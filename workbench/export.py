"""Turn reviewed pairs into files that CAT tools and MT pipelines accept.

Pure formatting: pairs and options in, bytes out. Reading the pairs from the
store lives in `workbench.export_source`, so every format can be tested on
plain values.

An export that a tool rejects, or that silently carries the wrong language,
is worse than none. Hence: language codes are checked before anything is
written, XML is built with lxml (which escapes `&`, `<`, `>` and quotes), and
characters that XML 1.0 forbids are removed first.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata

from lxml import etree

from workbench.errors import DomainError, ErrorKind
from workbench.status import REVIEWED as REVIEWED_STATUSES
from workbench.status import Status

# Region codes used when the caller names only the language, as the store does
# ("fr", "en"). CAT projects are usually set up with a region.
DEFAULT_REGIONS = {"fr": "fr-FR", "en": "en-GB", "de": "de-DE"}

TOOL_NAME = "Alignment workbench"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG, XML_SPACE = f"{{{XML_NS}}}lang", f"{{{XML_NS}}}space"
XLIFF_NS = "urn:oasis:names:tc:xliff:document:2.0"
METADATA_NS = "urn:oasis:names:tc:xliff:metadata:2.0"

# XLIFF 2.0 segment states. A 1-0 pair has no target, and the standard wants
# a target for every state but `initial`.
XLIFF_STATES = {Status.AUTO: "translated", Status.CONFIRMED: "final", Status.EDITED: "final"}
XLIFF_UNTRANSLATED_STATE = "initial"

# What XML 1.0 allows (the `Char` production); everything else is dropped.
_ILLEGAL_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Everything that Python's str.splitlines() or a line-based tool treats as a line end.
_LINE_BREAKS = re.compile("[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
# Language, optional script, optional region, optional variants: the shape of
# the BCP 47 tags translators use (fr, fr-FR, fr-CA, zh-Hant-TW, es-419).
_BCP47 = re.compile(
    r"[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
)


class ExportError(DomainError):
    """The export cannot be written as asked; the message says why and what to do."""


class NothingToExport(ExportError):
    """No pair passes the filters; an empty file would only hide that."""

    kind = ErrorKind.NOT_FOUND


@dataclass(frozen=True)
class ExportPair:
    """One link ready to write: each side's sentences joined by a single space."""

    document: str
    position: int
    source: str
    target: str
    score: float
    status: str
    changed: datetime | None = None  # when the link was last saved
    changed_by: str | None = None  # who saved it, when a reviewer did

    @property
    def reviewed(self) -> bool:
        return self.status in REVIEWED_STATUSES

    @property
    def unit_id(self) -> str:
        """Unique in an export: a document's link positions are unique."""
        return f"{self.document}:{self.position + 1}"


@dataclass(frozen=True)
class Languages:
    """The BCP 47 codes written into the file, e.g. fr-FR and en-GB."""

    source: str
    target: str

    @property
    def source_language(self) -> str:
        return primary_language(self.source)

    @property
    def target_language(self) -> str:
        return primary_language(self.target)


# --- language codes -----------------------------------------------------------


def primary_language(code: str) -> str:
    return code.split("-", 1)[0].lower()


def check_language_code(code: str) -> str:
    """Return CODE in its usual case (fr-FR) or explain why a CAT tool would refuse it."""
    if "_" in code:
        hint = code.replace("_", "-")
        raise ExportError(
            f"language code {code!r} uses an underscore; BCP 47 codes use a hyphen "
            f"(did you mean {normalise_language_code(hint)!r}?)"
        )
    if not _BCP47.fullmatch(code):
        raise ExportError(
            f"language code {code!r} is not a BCP 47 code such as 'fr', 'fr-FR' or 'en-GB'"
        )
    return normalise_language_code(code)


def normalise_language_code(code: str) -> str:
    parts = code.split("-")
    result = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            result.append(part.title())
        elif len(part) == 2 and part.isalpha():
            result.append(part.upper())
        else:
            result.append(part)
    return "-".join(result)


def resolve_language(stored: str, requested: str | None = None) -> str:
    """The code to write for a side whose stored language is STORED (e.g. 'fr').

    Without a request the documented default region is added. A request for
    another language than the document's is refused: a French side labelled
    English is exactly the silent error that spoils a translation memory.
    """
    if requested is None or not requested.strip():
        return check_language_code(DEFAULT_REGIONS.get(stored.lower(), stored))
    code = check_language_code(requested.strip())
    if primary_language(code) != primary_language(stored):
        raise ExportError(
            f"language code {code!r} does not match the document's language {stored!r}"
        )
    return code


# --- selecting and cleaning pairs ---------------------------------------------


def select_pairs(
    pairs: Iterable[ExportPair],
    *,
    confirmed_only: bool = False,
    min_score: float | None = None,
) -> list[ExportPair]:
    """Keep reviewed pairs only (confirmed or edited) and/or pairs scoring at least MIN_SCORE.

    The minimum score filters automatic pairs only: a confirmed or edited pair is right by a
    person's judgement, whatever the aligner thought of it."""
    selected = []
    for pair in pairs:
        if confirmed_only and not pair.reviewed:
            continue
        if min_score is not None and not pair.reviewed and pair.score < min_score:
            continue
        selected.append(pair)
    return selected


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE)."""
    return _ILLEGAL_XML.sub("", text)


def single_line(text: str) -> str:
    """Collapse every kind of line break to one space, so one pair stays one line."""
    return _LINE_BREAKS.sub(" ", text)


def _has_text(text: str) -> bool:
    return bool(text.strip())


def _cleaned(pairs: Iterable[ExportPair], clean: Callable[[str], str]) -> list[ExportPair]:
    return [replace(p, source=clean(p.source), target=clean(p.target)) for p in pairs]


def _check_unique_ids(pairs: Sequence[ExportPair]) -> None:
    ids = [p.unit_id for p in pairs]
    if len(set(ids)) != len(ids):
        raise ExportError("two pairs share a document name and position; cannot number them")


def _tool_version() -> str:
    try:
        return metadata.version("workbench")
    except metadata.PackageNotFoundError:
        return "development"


def _format_score(score: float) -> str:
    return f"{score:.4f}"


def _tmx_date(moment: datetime | None) -> str:
    """TMX's YYYYMMDDThhmmssZ, in UTC; a naive time is taken as UTC already."""
    moment = moment or datetime.now(UTC)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return moment.strftime("%Y%m%dT%H%M%SZ")


# --- TMX 1.4b -------------------------------------------------------------------


def tmx_pairs(pairs: Iterable[ExportPair]) -> list[ExportPair]:
    """The pairs a TMX file holds: both sides non-empty after cleaning (no 1-0, no 0-1)."""
    cleaned = _cleaned(pairs, xml_safe)
    return [p for p in cleaned if _has_text(p.source) and _has_text(p.target)]


def to_tmx(
    pairs: Iterable[ExportPair],
    languages: Languages,
    *,
    created: datetime | None = None,
    tool_version: str | None = None,
) -> bytes:
    """A TMX 1.4b translation memory, one `<tu>` per pair with both sides present."""
    kept = tmx_pairs(pairs)
    _check_unique_ids(kept)
    stamp = _tmx_date(created)
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        {
            "creationtool": TOOL_NAME,
            "creationtoolversion": tool_version or _tool_version(),
            "segtype": "sentence",
            "o-tmf": "workbench",
            "adminlang": "en",
            "srclang": languages.source,
            "datatype": "plaintext",
            "o-encoding": "UTF-8",
            "creationdate": stamp,
        },
    )
    body = etree.SubElement(root, "body")
    for pair in kept:
        unit = etree.SubElement(body, "tu", tuid=pair.unit_id)
        if pair.changed is not None:
            unit.set("changedate", _tmx_date(pair.changed))
        if pair.changed_by:
            unit.set("changeid", xml_safe(pair.changed_by))
        for kind, value in (
            ("x-document", pair.document),
            ("x-status", pair.status),
            ("x-score", _format_score(pair.score)),
        ):
            etree.SubElement(unit, "prop", type=kind).text = xml_safe(value)
        for code, text in ((languages.source, pair.source), (languages.target, pair.target)):
            variant = etree.SubElement(unit, "tuv", {XML_LANG: code})
            etree.SubElement(variant, "seg").text = text
    return etree.tostring(
        root,
        xml_declaration=True,
        encoding="UTF-8",
        pretty_print=True,
        doctype='<!DOCTYPE tmx SYSTEM "tmx14.dtd">',
    )


# --- XLIFF 2.0 ------------------------------------------------------------------


def xliff_pairs(pairs: Iterable[ExportPair]) -> list[ExportPair]:
    """The pairs an XLIFF file holds: those with a source; a 1-0 pair stays, untranslated."""
    return [p for p in _cleaned(pairs, xml_safe) if _has_text(p.source)]


def xliff_state(pair: ExportPair) -> str:
    if not _has_text(pair.target):
        return XLIFF_UNTRANSLATED_STATE
    return XLIFF_STATES.get(pair.status, XLIFF_STATES[Status.AUTO])


def to_xliff(pairs: Iterable[ExportPair], languages: Languages) -> bytes:
    """An XLIFF 2.0 file: one `<file>` per document, one `<unit>` per pair.

    The review status maps onto `<segment state>` (see XLIFF_STATES); the exact
    workbench status goes into `subState` and the score into the metadata module.
    """
    kept = xliff_pairs(pairs)
    _check_unique_ids(kept)
    root = etree.Element(
        f"{{{XLIFF_NS}}}xliff",
        {"version": "2.0", "srcLang": languages.source, "trgLang": languages.target},
        nsmap={None: XLIFF_NS, "mda": METADATA_NS},
    )
    files: dict[str, etree._Element] = {}
    for pair in kept:
        if pair.document not in files:
            files[pair.document] = etree.SubElement(
                root,
                f"{{{XLIFF_NS}}}file",
                id=f"f{len(files) + 1}",
                original=xml_safe(pair.document),
            )
        unit = etree.SubElement(
            files[pair.document], f"{{{XLIFF_NS}}}unit", id=f"u{pair.position + 1}"
        )
        unit.set("name", pair.unit_id)
        meta = etree.SubElement(
            etree.SubElement(unit, f"{{{METADATA_NS}}}metadata"),
            f"{{{METADATA_NS}}}metaGroup",
            category="workbench",
        )
        for kind, value in (("status", pair.status), ("score", _format_score(pair.score))):
            etree.SubElement(meta, f"{{{METADATA_NS}}}meta", type=kind).text = value
        segment = etree.SubElement(unit, f"{{{XLIFF_NS}}}segment", state=xliff_state(pair))
        segment.set("subState", f"wb:{pair.status}")
        sides = [("source", pair.source)]
        if _has_text(pair.target):
            sides.append(("target", pair.target))
        for tag, text in sides:
            # Without `preserve` a reader may fold a tab or newline inside a sentence.
            element = etree.SubElement(segment, f"{{{XLIFF_NS}}}{tag}", {XML_SPACE: "preserve"})
            element.text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- TSV and CSV ----------------------------------------------------------------

TABLE_COLUMNS = ("score", "status", "document", "pair")
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TSV_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def table_header(languages: Languages) -> list[str]:
    """Source and target columns are headed by their language codes, as CAT tools expect."""
    return [languages.source, languages.target, *TABLE_COLUMNS]


def table_row(pair: ExportPair) -> list[str]:
    return [
        pair.source, pair.target, _format_score(pair.score), pair.status,
        pair.document, str(pair.position + 1),
    ]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula (OWASP's list)."""
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d\s]*([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?%?")


def spreadsheet_cell(text: str) -> str:
    """Text a spreadsheet would run as a formula, with an apostrophe in front so it stays text.

    Only cells starting with = + - @, a tab or a carriage return, that are not a plain
    number (-12 and +33 stay numbers): typographic dashes (— or –, French dialogue) and
    every other text are written as they are.
    """
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def from_spreadsheet_cell(cell: str) -> str:
    """The inverse of `spreadsheet_cell`, for reading back our own CSV or TSV."""
    if cell.startswith("'") and spreadsheet_cell(cell[1:]) == cell:
        return cell[1:]
    return cell


def escape_tsv_field(text: str) -> str:
    """Backslash, tab, newline and carriage return become \\\\, \\t, \\n and \\r."""
    return text.translate(_TSV_ESCAPES)


def unescape_tsv_field(field: str) -> str:
    """The inverse of `escape_tsv_field`; an unknown escape is kept as written."""
    return re.sub(
        r"\\(.)", lambda m: _TSV_UNESCAPES.get(m.group(1), m.group(0)), field, flags=re.DOTALL
    )


def to_tsv(pairs: Iterable[ExportPair], languages: Languages) -> bytes:
    """Tab-separated UTF-8 with a header row; every pair is kept, 1-0 and 0-1 included."""
    rows = [table_header(languages), *(table_row(p) for p in pairs)]
    text = "".join("\t".join(escape_tsv_field(spreadsheet_cell(f)) for f in row) + "\n"
                   for row in rows)
    return text.encode("utf-8")


def to_csv(pairs: Iterable[ExportPair], languages: Languages) -> bytes:
    """RFC 4180 CSV (CRLF, quoted where needed) in UTF-8 with a BOM for spreadsheet programs."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table_header(languages))
    writer.writerows([spreadsheet_cell(cell) for cell in table_row(p)] for p in pairs)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


# --- Moses plain text -------------------------------------------------------------


def moses_pairs(pairs: Iterable[ExportPair]) -> list[ExportPair]:
    """One line per side; 1-0 and 0-1 pairs are left out (they would teach MT to drop text)."""
    cleaned = _cleaned(pairs, lambda text: single_line(text).strip())
    return [p for p in cleaned if p.source and p.target]


def to_moses(pairs: Iterable[ExportPair]) -> tuple[bytes, bytes]:
    """Two UTF-8 files, source and target: line N of one translates line N of the other."""
    kept = moses_pairs(pairs)
    source = "".join(p.source + "\n" for p in kept)
    target = "".join(p.target + "\n" for p in kept)
    return source.encode("utf-8"), target.encode("utf-8")


# --- the formats, for the command line and the web --------------------------------


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    extension: str
    media_type: str
    one_sided: str  # what happens to 1-0 and 0-1 pairs, for the help and the web page


@dataclass(frozen=True)
class Rendered:
    """An export's files (suffix, content) and how many pairs they hold."""

    files: list[tuple[str, bytes]]
    pair_count: int


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "tmx", "TMX 1.4b", ".tmx", "application/x-tmx+xml",
            "left out: a translation memory unit needs both languages",
        ),
        ExportFormat(
            "xliff", "XLIFF 2.0", ".xlf", "application/xliff+xml",
            "1-0 kept as an untranslated segment (state initial); 0-1 left out",
        ),
        ExportFormat(
            "tsv", "TSV", ".tsv", "text/tab-separated-values; charset=utf-8",
            "kept, with an empty cell",
        ),
        ExportFormat(
            "csv", "CSV", ".csv", "text/csv; charset=utf-8",
            "kept, with an empty cell",
        ),
        ExportFormat(
            "moses", "Moses plain text", "", "text/plain; charset=utf-8",
            "left out: the two files must stay line-aligned translations",
        ),
    )
}


def render(
    format_name: str,
    pairs: Sequence[ExportPair],
    languages: Languages,
    *,
    created: datetime | None = None,
) -> Rendered:
    """Write PAIRS in one of FORMATS; Moses gives two files, suffixed by language."""
    rendered = _render(format_name, pairs, languages, created)
    if rendered.pair_count == 0:
        raise NothingToExport(
            f"no pair to export as {FORMATS[format_name].label}"
            + (f" among {len(pairs)} selected" if pairs else "")
            + ": check the filters (confirmed only, minimum score)"
        )
    return rendered


def _render(
    format_name: str,
    pairs: Sequence[ExportPair],
    languages: Languages,
    created: datetime | None,
) -> Rendered:
    if format_name == "tmx":
        return Rendered([(".tmx", to_tmx(pairs, languages, created=created))],
                        len(tmx_pairs(pairs)))
    if format_name == "xliff":
        return Rendered([(".xlf", to_xliff(pairs, languages))], len(xliff_pairs(pairs)))
    if format_name == "tsv":
        return Rendered([(".tsv", to_tsv(pairs, languages))], len(pairs))
    if format_name == "csv":
        return Rendered([(".csv", to_csv(pairs, languages))], len(pairs))
    if format_name == "moses":
        source, target = to_moses(pairs)
        return Rendered(
            [(f".{languages.source_language}", source), (f".{languages.target_language}", target)],
            len(moses_pairs(pairs)),
        )
    raise ExportError(
        f"unknown format {format_name!r}; choose one of {', '.join(FORMATS)}"
    )
