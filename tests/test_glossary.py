"""Glossary formats (pure), the glossary table, and the consistency report."""

import pytest

from tests.termdata import add_corpus
from workbench import consistency, store, termindex
from workbench.glossary import Entry, GlossaryFormatError, from_tsv, to_tbx, to_tsv
from workbench.store import glossary as glossary_store

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
    # Issue 13: the same pair again used to overwrite the note silently.
    with pytest.raises(glossary_store.DuplicateEntry) as duplicate:
        glossary_store.add(db, "accord", "agreement", "better note")
    assert duplicate.value.existing["id"] == entry["id"]
    assert glossary_store.get(db, entry["id"])["note"] == "first"
    both = glossary_store.add(db, "accord", "agreement", "better note", on_existing="keep-both")
    assert both["id"] == entry["id"] and both["note"] == "first; better note"
    again = glossary_store.add(db, "accord", "agreement", "better note", on_existing="replace")
    assert again["id"] == entry["id"] and again["note"] == "better note"
    assert len(glossary_store.entries(db)) == 1
    glossary_store.update(db, entry["id"], "accord", "settlement", "")
    assert [(e["source_term"], e["target_term"]) for e in glossary_store.entries(db)] == [
        ("accord", "settlement")]
    glossary_store.delete(db, entry["id"])
    assert glossary_store.entries(db) == []
    with pytest.raises(glossary_store.GlossaryError, match="no glossary entry"):
        glossary_store.delete(db, entry["id"])


def test_an_edit_cannot_turn_an_entry_into_another_existing_pair(db):
    glossary_store.add(db, "accord", "agreement", "Matignon")
    other = glossary_store.add(db, "accord", "settlement")
    with pytest.raises(glossary_store.GlossaryError, match="already entry 1"):
        glossary_store.update(db, other["id"], "accord", "agreement", "")
    assert [e["note"] for e in glossary_store.entries(db)] == ["Matignon", ""]


def test_entries_need_both_terms(db):
    with pytest.raises(glossary_store.GlossaryError, match="both"):
        glossary_store.add(db, "accord", "  ")


def test_export_then_import_into_another_database_round_trips(db, tmp_path):
    for entry in ENTRIES:
        glossary_store.add(db, entry.source_term, entry.target_term, entry.note)
    exported = to_tsv(glossary_store.as_entries(glossary_store.entries(db)))
    other = store.open_db(tmp_path / "other.db")
    assert glossary_store.import_entries(other, from_tsv(exported)).added == 3
    assert glossary_store.import_entries(other, from_tsv(exported)).added == 0  # no duplicates
    assert sorted(glossary_store.as_entries(glossary_store.entries(other)),
                  key=lambda e: e.source_term) == sorted(ENTRIES, key=lambda e: e.source_term)


# --- consistency --------------------------------------------------------------------


def test_consistency_lists_pairs_without_the_approved_translation(db):
    add_corpus(db)
    glossary_store.add(db, "dictature du prolétariat", "dictatorship of the proletariat")
    glossary_store.add(db, "accord", "agreement")
    glossary_store.add(db, "zeppelin", "zeppelin")
    reports = {r.entry["source_term"]: r for r in consistency.consistency(db)}
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
    (report,) = consistency.consistency(db, termindex.Filters(document="two"))
    assert {h.document for h in report.to_check} == {"two"}
    assert report.occurrences == 3


def test_consistency_leaves_out_excluded_pairs(db):
    """An excluded pair (boilerplate, captions: not for translation) is never to check."""
    add_corpus(db)
    glossary_store.add(db, "dictature du prolétariat", "dictatorship of the proletariat")
    (report,) = consistency.consistency(db)
    (hit,) = report.to_check
    db["links"].update(hit.link_id, {"status": "excluded"})
    (report,) = consistency.consistency(db)
    assert report.to_check == [] and report.occurrences == 2
    assert consistency.consistency(db, termindex.Filters(confirmed_only=True))[0].to_check \
        == []


# --- import: header, size, one transaction, notes kept (issue 12) ---------------------


@pytest.mark.parametrize("header", [
    "source\ttarget", "Source term\tTarget term\tComment", "fr\ten", "fr-FR\ten-GB\tnote",
    "French\tEnglish\tNotes",
])
def test_a_header_line_is_not_an_entry(header):
    assert from_tsv(f"{header}\naccord\tagreement\n") == [Entry("accord", "agreement")]


def test_a_first_entry_that_looks_like_words_stays_an_entry():
    assert from_tsv("loi\tlaw\nde facto\tde facto\n") == [
        Entry("loi", "law"), Entry("de facto", "de facto")]


def test_a_file_over_the_limit_is_refused_clearly():
    from workbench.glossary import MAX_IMPORT_BYTES, read_glossary

    with pytest.raises(GlossaryFormatError, match="at most 5 MB: split it"):
        read_glossary(b"a\tb\n" * (MAX_IMPORT_BYTES // 4 + 1), "big.txt", "fr", "en")


def test_import_is_one_transaction_and_keeps_every_note(db):
    glossary_store.add(db, "accord", "agreement", "Matignon")
    imported = [Entry("grève", "strike", "1936"), Entry("accord", "agreement", "Munich"),
                Entry("grève", "strike", "general"), Entry("loi", "law")]
    summary = glossary_store.import_entries(db, imported)
    assert (summary.added, summary.notes_merged, summary.unchanged) == (2, 1, 0)
    notes = {e["source_term"]: e["note"] for e in glossary_store.entries(db)}
    assert notes == {"accord": "Matignon; Munich", "grève": "1936; general", "loi": ""}
    # A bad entry anywhere leaves the glossary as it was.
    with pytest.raises(glossary_store.GlossaryError):
        glossary_store.import_entries(db, [Entry("traité", "treaty"), Entry("x", " ")])
    assert len(glossary_store.entries(db)) == 3


# --- TBX import ----------------------------------------------------------------------

TBX_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE martif SYSTEM "TBXcoreStructV02.dtd">
<martif type="TBX-Basic" xml:lang="fr-FR">
  <martifHeader><fileDesc><sourceDesc><p>Client termbase</p></sourceDesc></fileDesc></martifHeader>
  <text><body>
    <termEntry id="c1">
      <descrip type="definition">Accord entre États</descrip>
      <langSet xml:lang="fr-FR"><tig><term>traité</term></tig></langSet>
      <langSet xml:lang="en-GB"><tig><term>treaty</term></tig></langSet>
    </termEntry>
    <termEntry id="c2">
      <note>Marx</note>
      <langSet xml:lang="fr">
        <ntig><termGrp><term>dictature du prolétariat</term></termGrp></ntig></langSet>
      <langSet xml:lang="en"><tig><term>dictatorship of the proletariat</term></tig>
        <tig><term>proletarian dictatorship</term></tig></langSet>
    </termEntry>
    <termEntry id="c3">
      <langSet xml:lang="de"><tig><term>Vertrag</term></tig></langSet>
      <langSet xml:lang="en"><tig><term>contract</term></tig></langSet>
    </termEntry>
  </body></text>
</martif>
"""

TBX_V3 = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Core" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
  <tbxHeader><fileDesc><sourceDesc><p>v3</p></sourceDesc></fileDesc></tbxHeader>
  <text><body>
    <conceptEntry id="1">
      <langSec xml:lang="en"><termSec><term>paid holidays</term></termSec></langSec>
      <langSec xml:lang="fr"><termSec><term>congés payés</term></termSec>
        <note>1936</note></langSec>
    </conceptEntry>
  </body></text>
</tbx>
"""


def test_tbx_v2_import_reads_terms_synonyms_and_notes():
    from workbench.glossary import from_tbx

    assert from_tbx(TBX_V2.encode(), "fr", "en") == [
        Entry("traité", "treaty", "Accord entre États"),
        Entry("dictature du prolétariat", "dictatorship of the proletariat", "Marx"),
        Entry("dictature du prolétariat", "proletarian dictatorship", "Marx"),
    ]


def test_tbx_v3_import_with_a_namespace():
    from workbench.glossary import from_tbx

    assert from_tbx(TBX_V3.encode(), "fr", "en") == [Entry("congés payés", "paid holidays", "1936")]


def test_tbx_export_then_import_round_trips():
    from workbench.glossary import read_glossary

    assert read_glossary(to_tbx(ENTRIES, "fr", "en").encode(), "g.tbx", "fr", "en") == ENTRIES


@pytest.mark.parametrize("data, message", [
    (b"<martif><text><body>", "not a well-formed TBX file"),
    (b"<glossary/>", "root element is <glossary>"),
    (TBX_V3.encode(), "no TBX entry has both a fr and a de term .languages in the file: en, fr"),
])
def test_tbx_errors_say_what_is_wrong(data, message):
    from workbench.glossary import from_tbx

    with pytest.raises(GlossaryFormatError, match=message):
        from_tbx(data, "fr", "de" if b"conceptEntry" in data else "en")


def _hostile_tbx(declarations: str, term: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE martif [{declarations}]>
<martif><text><body><termEntry>
  <langSet xml:lang="fr"><tig><term>{term}</term></tig></langSet>
  <langSet xml:lang="en"><tig><term>b</term></tig></langSet>
</termEntry></body></text></martif>""".encode()


def test_tbx_external_entities_are_never_fetched(tmp_path):
    from workbench.glossary import from_tbx

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    hostile = _hostile_tbx(f'<!ENTITY secret SYSTEM "file://{secret}">', "a&secret;")
    (entry,) = from_tbx(hostile, "fr", "en")
    assert "SECRET" not in entry.source_term and entry.target_term == "b"


def test_tbx_entity_bombs_are_refused_not_expanded():
    from workbench.glossary import from_tbx

    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 9))
    with pytest.raises(GlossaryFormatError, match="not a well-formed TBX file"):
        from_tbx(_hostile_tbx('<!ENTITY l0 "ha">' + laughs, "a&l8;"), "fr", "en")


# --- consistency: whole terms, longer terms first, accepted occurrences (issue 13) ----

LABOUR_PAIRS = [
    ("Le mouvement ouvrier se divisa.", "The labour movement split."),
    ("Les ouvriers occupèrent les usines.", "The workers occupied the factories."),
    ("La classe ouvrière vota à gauche.", "The working class voted left."),
    ("Trois femmes furent nommées sous-secrétaires d'État.",
     "Three women were appointed junior ministers."),
    ("L'État paya les salaires.", "The state paid the wages."),
    ("L'étatisme fut critiqué.", "Statism was criticised."),
    ("Les États signèrent.", "The states signed."),
]


def test_consistency_matches_whole_terms_and_longer_terms_take_their_words(db):
    add_corpus(db, "labour", LABOUR_PAIRS)
    for source, target in [("ouvriers", "workers"), ("mouvement ouvrier", "labour movement"),
                           ("classe ouvrière", "working class"), ("Etat", "state"),
                           ("sous-secrétaires d'État", "junior ministers")]:
        glossary_store.add(db, source, target)
    reports = {r.entry["source_term"]: r for r in consistency.consistency(db)}
    false_positives = {
        term: [(h.text, h.translation and h.translation.text) for h in r.to_check]
        for term, r in reports.items() if r.to_check
    }
    assert false_positives == {}
    assert {t: (r.occurrences, r.consistent) for t, r in reports.items()} == {
        "ouvriers": (1, 1), "mouvement ouvrier": (1, 1), "classe ouvrière": (1, 1),
        "Etat": (2, 2), "sous-secrétaires d'État": (1, 1),
    }


def test_an_accepted_occurrence_is_remembered_until_the_pair_changes(db):
    add_corpus(db)
    entry = glossary_store.add(db, "dictature du prolétariat", "dictatorship of the proletariat")
    (report,) = consistency.consistency(db)
    (hit,) = report.to_check
    accepted = consistency.accept(db, entry["id"], hit.link_id, "Ana")
    assert accepted["accepted_by"] == "Ana"
    (report,) = consistency.consistency(db)
    assert report.to_check == [] and [h.link_id for h in report.accepted] == [hit.link_id]
    assert report.accepted_by[hit.link_id]["accepted_by"] == "Ana"
    assert consistency.report_json(report)["accepted"][0]["accepted_by"] == "Ana"
    # Remembered by the database, not the process.
    other = store.open_db(db.conn.execute("pragma database_list").fetchone()[2])
    assert [h.link_id for h in consistency.consistency(other)[0].accepted] == [hit.link_id]
    # Once the English of that pair is edited, the occurrence is to check again.
    (target_id,) = db["links"].get(hit.link_id)["target_ids"].strip("[]").split(",")
    db["sentences"].update(int(target_id), {"text": "Criticisms of this dictatorship were many."})
    (report,) = consistency.consistency(db)
    assert [h.link_id for h in report.to_check] == [hit.link_id] and report.accepted == []
    with pytest.raises(glossary_store.GlossaryError, match="no occurrence"):
        consistency.accept(db, entry["id"], 999_999)
    glossary_store.withdraw(db, entry["id"], hit.link_id)
    with pytest.raises(glossary_store.GlossaryError, match="no accepted occurrence"):
        glossary_store.withdraw(db, entry["id"], hit.link_id)
