"""The export formats on plain values: validity, text safety, real consumers reading them."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import SHARED
from workbench.export import (
    FORMATS,
    XML_LANG,
    ExportError,
    ExportPair,
    Languages,
    NothingToExport,
    check_language_code,
    escape_tsv_field,
    render,
    resolve_language,
    select_pairs,
    to_csv,
    to_moses,
    to_tmx,
    to_tsv,
    to_xliff,
    unescape_tsv_field,
)

# A worktree outside /work/main can point at the DTD with WORKBENCH_TMX_DTD.
TMX_DTD = Path(os.environ.get("WORKBENCH_TMX_DTD") or SHARED / "specs" / "tmx14.dtd")
XLIFF = "{urn:oasis:names:tc:xliff:document:2.0}"
FR_GB = Languages("fr-FR", "en-GB")
BOM = b"\xef\xbb\xbf"

ESCAPES = ExportPair(
    "lettres", 0,
    "Fish & Chips <b>chez « Max »</b>, l'apostrophe et les \"guillemets\".",
    'Fish & Chips <b>at "Max\'s"</b> & co.',
    0.91, "confirmed",
)
WHITESPACE = ExportPair(
    "lettres", 1,
    "Colonne 1\tcolonne 2\nligne deux, et un \\n littéral.",
    "Column 1\tcolumn 2\nline two, and a literal \\n.",
    0.72, "edited",
)
SOURCE_ONLY = ExportPair("lettres", 2, "Phrase sans traduction.", "", 0.10, "auto")
TARGET_ONLY = ExportPair("lettres", 3, "", "Sentence the translator added.", 0.05, "auto")
TYPOGRAPHY = ExportPair(
    "lettres", 4, "Il a dit\u202f: « oui\u00a0! » 🎉", "He said: “yes!” 🎉", 0.55, "auto"
)
PAIRS = [ESCAPES, WHITESPACE, SOURCE_ONLY, TARGET_ONLY, TYPOGRAPHY]
BOTH_SIDES = [ESCAPES, WHITESPACE, TYPOGRAPHY]


def tmx_problems(data: bytes) -> list[str]:
    """What a DTD cannot check but CAT tools trip over."""
    root = etree.fromstring(data)
    problems = []
    srclang = root.find("header").get("srclang")
    tuids = [tu.get("tuid") for tu in root.iter("tu")]
    if None in tuids or len(set(tuids)) != len(tuids):
        problems.append("tuid missing or repeated")
    for tu in root.iter("tu"):
        variants = tu.findall("tuv")
        if any(v.get(XML_LANG) is None for v in variants):
            problems.append(f"{tu.get('tuid')}: a <tuv> without xml:lang")
        elif variants[0].get(XML_LANG) != srclang:
            problems.append(f"{tu.get('tuid')}: first <tuv> is not in srclang {srclang}")
        if any(not (v.findtext("seg") or "").strip() for v in variants):
            problems.append(f"{tu.get('tuid')}: empty <seg>")
    return problems


def tmx_units(data: bytes) -> list[tuple[str, str]]:
    from translate.storage.tmx import tmxfile

    return [(unit.source, unit.target) for unit in tmxfile.parsestring(data).units]


def xliff_units(data: bytes) -> list[tuple[str, str | None]]:
    from translate.storage.xliff2 import Xliff2File

    return [(unit.source, unit.target or None) for unit in Xliff2File.parsestring(data).units]


# --- TMX ----------------------------------------------------------------------------


@pytest.fixture
def tmx_dtd():
    if not TMX_DTD.exists():
        pytest.skip(f"no TMX DTD at {TMX_DTD}")
    return etree.DTD(str(TMX_DTD))


def test_tmx_is_valid_against_the_dtd(tmx_dtd):
    root = etree.fromstring(to_tmx(PAIRS, FR_GB))
    assert tmx_dtd.validate(root), tmx_dtd.error_log.filter_from_errors()


def test_the_dtd_check_catches_a_broken_file(tmx_dtd):
    root = etree.fromstring(to_tmx(PAIRS, FR_GB))
    del root.find("header").attrib["srclang"]
    assert not tmx_dtd.validate(root)


def test_tmx_passes_the_checks_a_dtd_cannot_make():
    assert tmx_problems(to_tmx(PAIRS, FR_GB)) == []


def test_those_checks_catch_what_cat_tools_reject():
    data = to_tmx(BOTH_SIDES, FR_GB)
    wrong_srclang = data.replace(b'srclang="fr-FR"', b'srclang="en-GB"')
    assert any("srclang" in p for p in tmx_problems(wrong_srclang))
    plain_lang = data.replace(b'xml:lang="en-GB"', b'lang="en-GB"', 1)
    assert any("without xml:lang" in p for p in tmx_problems(plain_lang))
    empty_seg = re.sub(rb"<seg>He said[^<]*</seg>", b"<seg/>", data)
    assert any("empty <seg>" in p for p in tmx_problems(empty_seg))
    repeated = data.replace(b'tuid="lettres:2"', b'tuid="lettres:1"')
    assert "tuid missing or repeated" in tmx_problems(repeated)


def test_tmx_header_is_complete():
    created = datetime(2026, 3, 18, 9, 5, 7, tzinfo=UTC)
    header = etree.fromstring(to_tmx(PAIRS, FR_GB, created=created)).find("header")
    assert header.get("segtype") == "sentence"
    assert header.get("creationdate") == "20260318T090507Z"
    assert header.get("srclang") == "fr-FR"
    for required in ("creationtool", "creationtoolversion", "o-tmf", "adminlang", "datatype"):
        assert header.get(required), required


def test_tmx_creationdate_is_utc_whatever_the_clock():
    from datetime import timedelta, timezone

    paris = datetime(2026, 3, 18, 10, 5, 7, tzinfo=timezone(timedelta(hours=1)))
    header = etree.fromstring(to_tmx(PAIRS, FR_GB, created=paris)).find("header")
    assert header.get("creationdate") == "20260318T090507Z"


def test_every_tuv_carries_the_configured_language_codes():
    root = etree.fromstring(to_tmx(PAIRS, Languages("fr-CA", "en-US")))
    assert root.find("header").get("srclang") == "fr-CA"
    for tu in root.iter("tu"):
        assert [v.get(XML_LANG) for v in tu.findall("tuv")] == ["fr-CA", "en-US"]
        assert all(v.get("lang") is None for v in tu.findall("tuv"))


def test_tmx_keeps_status_score_and_document_in_props():
    tu = etree.fromstring(to_tmx(PAIRS, FR_GB)).find("body/tu")
    props = {p.get("type"): p.text for p in tu.findall("prop")}
    assert props == {"x-document": "lettres", "x-status": "confirmed", "x-score": "0.9100"}


def test_tmx_leaves_out_one_sided_pairs():
    assert tmx_units(to_tmx(PAIRS, FR_GB)) == [(p.source, p.target) for p in BOTH_SIDES]


def test_tuids_are_unique_across_documents():
    other = [ExportPair("autre", p.position, p.source, p.target, p.score, p.status)
             for p in BOTH_SIDES]
    tuids = [tu.get("tuid") for tu in etree.fromstring(
        to_tmx(BOTH_SIDES + other, FR_GB)).iter("tu")]
    assert len(tuids) == 6 and len(set(tuids)) == 6


def test_translate_toolkit_reads_back_exactly_the_exported_tmx_pairs():
    assert tmx_units(to_tmx(BOTH_SIDES, FR_GB)) == [(p.source, p.target) for p in BOTH_SIDES]


# --- text safety -----------------------------------------------------------------------


@pytest.mark.parametrize("writer", [to_tmx, to_xliff])
def test_markup_characters_are_escaped(writer):
    data = writer([ESCAPES], FR_GB)
    assert b"Fish &amp; Chips &lt;b&gt;" in data
    assert b"<b>" not in data
    etree.fromstring(data)  # well-formed


@pytest.mark.parametrize("writer", [to_tmx, to_xliff])
def test_quotes_in_attributes_are_escaped(writer):
    pair = ExportPair('l\'affaire "Dreyfus" & <co>', 0, "Oui.", "Yes.", 0.9, "auto")
    data = writer([pair], FR_GB)
    assert b"&quot;Dreyfus&quot; &amp; &lt;co&gt;" in data
    text = etree.fromstring(data).xpath("string(//@tuid | //@original)")
    assert text.startswith('l\'affaire "Dreyfus" & <co>')


@pytest.mark.parametrize("writer", [to_tmx, to_xliff])
def test_characters_illegal_in_xml_are_removed(writer):
    dirty = ExportPair("d", 0, "Bip\x07 et\x00 saut\x0c de page\ufffe.", "Beep\x1b.", 0.9, "auto")
    data = writer([dirty], FR_GB)
    root = etree.fromstring(data)  # lxml refuses any illegal character
    texts = [t for t in root.itertext() if t.strip()]
    assert "Bip et saut de page." in texts
    assert "Beep." in texts


def test_a_side_made_only_of_illegal_characters_counts_as_empty():
    pair = ExportPair("d", 0, "Vrai texte.", "\x01\x02", 0.9, "auto")
    with pytest.raises(NothingToExport):
        render("tmx", [pair], FR_GB)


@pytest.mark.parametrize("format_name", ["tmx", "xliff"])
def test_xml_has_a_declaration_and_no_bom(format_name):
    data = render(format_name, PAIRS, FR_GB).files[0][1]
    assert not data.startswith(BOM)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


# --- XLIFF 2.0 ----------------------------------------------------------------------


def test_xliff_declares_both_languages():
    root = etree.fromstring(to_xliff(PAIRS, Languages("fr-CA", "en-US")))
    assert root.tag == f"{XLIFF}xliff"
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == (
        "2.0", "fr-CA", "en-US"
    )


def test_xliff_has_one_file_per_document_and_unique_unit_ids():
    other = [ExportPair("autre", p.position, p.source, p.target, p.score, p.status)
             for p in PAIRS]
    root = etree.fromstring(to_xliff(PAIRS + other, FR_GB))
    files = root.findall(f"{XLIFF}file")
    assert [f.get("original") for f in files] == ["lettres", "autre"]
    assert len({f.get("id") for f in files}) == 2
    for file in files:
        ids = [u.get("id") for u in file.findall(f"{XLIFF}unit")]
        assert len(ids) == len(set(ids)) == 4


def test_review_status_maps_onto_segment_state():
    root = etree.fromstring(to_xliff(PAIRS, FR_GB))
    states = {
        segment.findtext(f"{XLIFF}source"): (segment.get("state"), segment.get("subState"))
        for segment in root.iter(f"{XLIFF}segment")
    }
    assert states[ESCAPES.source] == ("final", "wb:confirmed")
    assert states[WHITESPACE.source] == ("final", "wb:edited")
    assert states[TYPOGRAPHY.source] == ("translated", "wb:auto")
    assert states[SOURCE_ONLY.source] == ("initial", "wb:auto")


def test_xliff_keeps_a_source_only_pair_untranslated_and_drops_target_only():
    units = xliff_units(to_xliff(PAIRS, FR_GB))
    assert (SOURCE_ONLY.source, None) in units
    assert all(TARGET_ONLY.target != target for _, target in units)
    assert render("xliff", PAIRS, FR_GB).pair_count == 4


def test_translate_toolkit_reads_back_exactly_the_exported_xliff_pairs():
    expected = [(p.source, p.target or None) for p in PAIRS if p.source]
    assert xliff_units(to_xliff(PAIRS, FR_GB)) == expected


def test_translate_toolkit_sees_reviewed_pairs_as_approved():
    from translate.storage.xliff2 import Xliff2File

    store = Xliff2File.parsestring(to_xliff(BOTH_SIDES, FR_GB))
    assert [unit.isapproved() for unit in store.units] == [True, True, False]


# --- TSV and CSV -----------------------------------------------------------------------


def test_tsv_escapes_round_trip():
    text = "a\tb\nc\\d\\n\re"
    assert "\t" not in escape_tsv_field(text) and "\n" not in escape_tsv_field(text)
    assert unescape_tsv_field(escape_tsv_field(text)) == text


def test_tabs_and_newlines_survive_tsv():
    lines = to_tsv(PAIRS, FR_GB).decode("utf-8").split("\n")
    assert lines[-1] == ""
    rows = [[unescape_tsv_field(f) for f in line.split("\t")] for line in lines[:-1]]
    assert rows[0] == ["fr-FR", "en-GB", "score", "status", "document", "pair"]
    assert [(r[0], r[1]) for r in rows[1:]] == [(p.source, p.target) for p in PAIRS]
    assert all(len(r) == 6 for r in rows)
    assert rows[2][2:] == ["0.7200", "edited", "lettres", "2"]


def test_tsv_has_no_bom():
    assert not to_tsv(PAIRS, FR_GB).startswith(BOM)


def test_csv_is_rfc_4180_with_a_bom():
    data = to_csv(PAIRS, FR_GB)
    assert data.startswith(BOM)
    text = data[len(BOM):].decode("utf-8")
    assert text.endswith("\r\n")
    assert '"Fish & Chips <b>chez « Max »</b>, l\'apostrophe et les ""guillemets""."' in text
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["fr-FR", "en-GB", "score", "status", "document", "pair"]
    assert [(r[0], r[1]) for r in rows[1:]] == [(p.source, p.target) for p in PAIRS]


def test_tabs_and_newlines_survive_csv():
    rows = list(csv.reader(io.StringIO(to_csv([WHITESPACE], FR_GB).decode("utf-8-sig"),
                                       newline="")))
    assert rows[1][:2] == [WHITESPACE.source, WHITESPACE.target]


# --- Moses -----------------------------------------------------------------------------


def test_moses_files_have_equal_line_counts_whatever_the_line_breaks():
    breaks = ExportPair("d", 9, "un\r\ndeux\u2028trois\x85quatre", "one\ntwo\x0bthree", 0.5, "auto")
    source, target = to_moses([*PAIRS, breaks])
    source_lines = source.decode("utf-8").splitlines()
    target_lines = target.decode("utf-8").splitlines()
    assert len(source_lines) == len(target_lines) == 4
    assert source_lines[-1] == "un deux trois quatre"
    assert target_lines[-1] == "one two three"


def test_moses_leaves_out_one_sided_pairs():
    source, target = to_moses(PAIRS)
    assert SOURCE_ONLY.source.encode() not in source
    assert TARGET_ONLY.target.encode() not in target
    assert render("moses", PAIRS, FR_GB).pair_count == 3


def test_moses_files_are_named_by_language():
    assert [suffix for suffix, _ in render("moses", PAIRS, FR_GB).files] == [".fr", ".en"]


# --- options ---------------------------------------------------------------------------


def test_confirmed_only_keeps_confirmed_and_edited_pairs():
    assert select_pairs(PAIRS, confirmed_only=True) == [ESCAPES, WHITESPACE]


def test_minimum_score():
    assert select_pairs(PAIRS, min_score=0.55) == [ESCAPES, WHITESPACE, TYPOGRAPHY]
    # a reviewed pair is right by a person's judgement: the minimum filters automatic pairs
    assert select_pairs(PAIRS, confirmed_only=True, min_score=0.8) == [ESCAPES, WHITESPACE]
    assert select_pairs(PAIRS, min_score=0.99) == [ESCAPES, WHITESPACE]
    assert select_pairs(PAIRS) == PAIRS


def test_tsv_and_csv_keep_one_sided_pairs():
    assert render("tsv", PAIRS, FR_GB).pair_count == render("csv", PAIRS, FR_GB).pair_count == 5


@pytest.mark.parametrize("format_name", list(FORMATS))
def test_nothing_to_export_is_an_error_not_an_empty_file(format_name):
    with pytest.raises(NothingToExport, match="no pair to export"):
        render(format_name, [], FR_GB)


def test_unknown_format():
    with pytest.raises(ExportError, match="unknown format 'docx'"):
        render("docx", PAIRS, FR_GB)


# --- language codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("fr", "fr"), ("fr-FR", "fr-FR"), ("fr-fr", "fr-FR"), ("EN-gb", "en-GB"),
     ("es-419", "es-419"), ("zh-hant-tw", "zh-Hant-TW")],
)
def test_well_formed_language_codes(code, expected):
    assert check_language_code(code) == expected


def test_an_underscore_is_refused_with_the_fix():
    with pytest.raises(ExportError, match="underscore.*'es-ES'"):
        check_language_code("es_es")


@pytest.mark.parametrize("code", ["français", "f", "fr-", "fr FR", "en-GB-", "123", "fr\n", ""])
def test_malformed_language_codes_are_refused(code):
    with pytest.raises(ExportError, match="not a BCP 47 code"):
        check_language_code(code)


def test_default_regions_and_overrides():
    assert resolve_language("fr") == "fr-FR"
    assert resolve_language("en") == "en-GB"
    assert resolve_language("en", "en-us") == "en-US"
    assert resolve_language("fr", "fr") == "fr"


def test_a_code_for_another_language_than_the_documents_is_refused():
    with pytest.raises(ExportError, match="does not match the document's language 'fr'"):
        resolve_language("fr", "en-GB")


def test_tmx_records_when_and_by_whom_a_pair_was_last_changed(tmx_dtd):
    reviewed = ExportPair("d", 0, "Oui.", "Yes.", 0.9, "confirmed",
                          changed=datetime(2026, 3, 18, 9, 5, 7, tzinfo=UTC), changed_by="marie")
    root = etree.fromstring(to_tmx([reviewed, TYPOGRAPHY], FR_GB))
    first, second = root.iter("tu")
    assert (first.get("changedate"), first.get("changeid")) == ("20260318T090507Z", "marie")
    assert second.get("changedate") is None and second.get("changeid") is None
    assert tmx_dtd.validate(root), tmx_dtd.error_log.filter_from_errors()
