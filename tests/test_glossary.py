"""Glossary formats (pure), the glossary table, and the consistency report."""

import pytest

from tests.termdata import add_corpus
from workbench import glossary_store, termindex
from workbench.glossary import Entry, GlossaryFormatError, from_tsv, to_tbx, to_tsv

ENTRIES = [
    Entry("accord", "agreement", "Matignon, 1936"),
    Entry("lutte des classes", "class struggle"),
    Entry("dictature du prolétariat", "dictatorship of the proletariat", "Marx's term"),
]


def test_tsv_round_trip():
    assert from_tsv(to_tsv(ENTRIES)) == ENTRIES


def test_tsv_is_omegats_format():
    text = to_tsv(ENTRIES)
    assert text.splitlines()[0] == "accord\tagreement\tMatignon, 1936"
    assert text.splitlines()[1] == "lutte des classes\tclass struggle"


def test_tabs_and_line_breaks_inside_fields_cannot_break_lines():
    text = to_tsv([Entry("a\tb", "c\nd", "one\ttwo")])
    assert text == "a b\tc d\tone two\n"


def test_tsv_import_skips_comments_blank_lines_and_a_bom():
    text = "\ufeff# my glossary\n\naccord\tagreement\n  \ngrève\tstrike\tlabour law\n"
    assert from_tsv(text) == [Entry("accord", "agreement"), Entry("grève", "strike", "labour law")]


@pytest.mark.parametrize(
    "line, message",
    [("accord", "line 1: expected"), ("accord\t", "line 1: expected"),
     ("a\tb\tc\td", "line 1: 4 tab-separated columns")],
)
def test_tsv_import_rejects_bad_lines_by_number(line, message):
    with pytest.raises(GlossaryFormatError, match=message):
        from_tsv(line)


def test_tbx_is_read_by_translate_toolkit():
    from translate.storage.tbx import tbxfile

    store = tbxfile.parsestring(to_tbx(ENTRIES, "fr", "en").encode("utf-8"))
    units = [u for u in store.units if u.source]
    assert [(u.source, u.target) for u in units] == [
        (e.source_term, e.target_term) for e in ENTRIES
    ]


def test_tbx_escapes_markup_and_keeps_notes():
    from lxml import etree

    tbx = to_tbx([Entry("R&D <interne>", "in-house R&D", "a < b")], "fr", "en")
    root = etree.fromstring(tbx.encode("utf-8"))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert root.findtext(".//termEntry/note") == "a < b"
    assert [t.text for t in root.iter("term")] == ["R&D <interne>", "in-house R&D"]


# --- the table ---------------------------------------------------------------------


def test_add_list_edit_delete(db):
    entry = glossary_store.add(db, "  accord ", "agreement", "first")
    assert (entry["source_term"], entry["source_lang"], entry["target_lang"]) == (
        "accord", "fr", "en")
    again = glossary_store.add(db, "accord", "agreement", "better note")
    assert again["id"] == entry["id"] and again["note"] == "better note"
    glossary_store.update(db, entry["id"], "accord", "settlement", "")
    assert [(e["source_term"], e["target_term"]) for e in glossary_store.entries(db)] == [
        ("accord", "settlement")]
    glossary_store.delete(db, entry["id"])
    assert glossary_store.entries(db) == []
    with pytest.raises(glossary_store.GlossaryError, match="no glossary entry"):
        glossary_store.delete(db, entry["id"])


def test_entries_need_both_terms(db):
    with pytest.raises(glossary_store.GlossaryError, match="both"):
        glossary_store.add(db, "accord", "  ")


def test_export_then_import_into_another_database_round_trips(db, tmp_path):
    for entry in ENTRIES:
        glossary_store.add(db, entry.source_term, entry.target_term, entry.note)
    exported = to_tsv(glossary_store.as_entries(glossary_store.entries(db)))
    other = termindex.store.open_db(tmp_path / "other.db")
    assert glossary_store.import_entries(other, from_tsv(exported)) == 3
    assert glossary_store.import_entries(other, from_tsv(exported)) == 0  # no duplicates
    assert sorted(glossary_store.as_entries(glossary_store.entries(other)),
                  key=lambda e: e.source_term) == sorted(ENTRIES, key=lambda e: e.source_term)


# --- consistency --------------------------------------------------------------------


def test_consistency_lists_pairs_without_the_approved_translation(db):
    add_corpus(db)
    glossary_store.add(db, "dictature du prolétariat", "dictatorship of the proletariat")
    glossary_store.add(db, "accord", "agreement")
    glossary_store.add(db, "zeppelin", "zeppelin")
    reports = {r.entry["source_term"]: r for r in glossary_store.consistency(db)}
    dictatorship = reports["dictature du prolétariat"]
    assert (dictatorship.occurrences, dictatorship.consistent) == (3, 2)
    assert [h.counterpart for h in dictatorship.to_check] == [
        "Criticisms of the proletarian dictatorship were many."]
    assert dictatorship.to_check[0].translation.text == "proletarian dictatorship"
    # Inflections count as the approved translation: "agreements" is consistent.
    assert (reports["accord"].occurrences, reports["accord"].to_check) == (2, [])
    assert reports["zeppelin"].occurrences == 0


def test_consistency_respects_filters(db):
    add_corpus(db, "one")
    add_corpus(db, "two")
    glossary_store.add(db, "dictature du prolétariat", "dictatorship of the proletariat")
    (report,) = glossary_store.consistency(db, termindex.Filters(document="two"))
    assert {h.document for h in report.to_check} == {"two"}
    assert report.occurrences == 3
