"""`workbench export` and the store reader behind it."""

from __future__ import annotations

import csv
import io

import pytest
from lxml import etree

from tests.conftest import sentences
from workbench import store
from workbench.cli import cli
from workbench.export import XML_LANG, ExportError
from workbench.export_source import ExportRequest, UnknownDocument, build_export


@pytest.fixture
def reviewed_document(db):
    """'lettre': a 2-1 link (confirmed), a 1-1 (edited), a 1-0 and a 0-1 (auto), a 1-1 (auto)."""
    source = sentences("Bonjour.", "Comment allez-vous ?", "Merci & adieu.", "Orpheline.",
                       "Fin.")
    target = sentences("Hello, how are you?", "Thanks & goodbye.", "Added.", "The end.")
    document_id = store.create_document(db, "lettre", source, target)
    s = [row["id"] for row in store.sentences(db, document_id, store.SOURCE)]
    t = [row["id"] for row in store.sentences(db, document_id, store.TARGET)]
    store.replace_links(db, document_id, [
        {"source_ids": s[0:2], "target_ids": [t[0]], "score": 0.9, "status": "confirmed"},
        {"source_ids": [s[2]], "target_ids": [t[1]], "score": 0.4, "status": "edited"},
        {"source_ids": [s[3]], "target_ids": [], "score": 0.1},
        {"source_ids": [], "target_ids": [t[2]], "score": 0.1},
        {"source_ids": [s[4]], "target_ids": [t[3]], "score": 0.7},
    ])
    return document_id


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]


def test_a_side_joins_its_sentences_with_one_space(db, reviewed_document):
    export = build_export(db, ExportRequest("csv", "lettre"))
    rows = csv_rows(export.rendered.files[0][1])
    assert rows[0][:4] == ["Bonjour. Comment allez-vous ?", "Hello, how are you?", "0.9000",
                           "confirmed"]
    assert [r[:2] for r in rows[2:4]] == [["Orpheline.", ""], ["", "Added."]]


def test_corpus_export_has_a_document_column_and_one_file_per_document(
    db, reviewed_document, sample_document
):
    export = build_export(db, ExportRequest("csv"))
    assert export.name == "corpus"
    assert [r[4] for r in csv_rows(export.rendered.files[0][1])] == ["lettre"] * 5 + ["sample"] * 3
    xliff = etree.fromstring(build_export(db, ExportRequest("xliff")).rendered.files[0][1])
    assert [f.get("original") for f in xliff] == ["lettre", "sample"]


def test_corpus_mixing_language_pairs_is_refused(db, sample_document):
    store.create_document(db, "deutsch", sentences("Hallo."), sentences("Hello."),
                          source_lang="de")
    with pytest.raises(ExportError, match="mixes language pairs"):
        build_export(db, ExportRequest("tmx"))


def test_unknown_document(db, sample_document):
    with pytest.raises(UnknownDocument, match="no document named 'nope'"):
        build_export(db, ExportRequest("tmx", "nope"))


# --- the command ------------------------------------------------------------------------


def test_export_writes_into_alignments_by_default(runner, reviewed_document, tmp_path,
                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["export", "--format", "tmx"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 pair(s) as TMX 1.4b (fr-FR → en-GB) to alignments/corpus.tmx" in result.output
    root = etree.fromstring((tmp_path / "alignments" / "corpus.tmx").read_bytes())
    assert len(root.findall("body/tu")) == 3


def test_export_one_document_to_a_file(runner, reviewed_document, tmp_path):
    out = tmp_path / "out" / "lettre.xlf"
    result = runner.invoke(
        cli, ["export", "--format", "xliff", "--document", "lettre", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 4 pair(s)" in result.output and str(out) in result.output
    assert etree.fromstring(out.read_bytes()).get("srcLang") == "fr-FR"


def test_export_into_a_folder(runner, reviewed_document, tmp_path):
    result = runner.invoke(cli, ["export", "--format", "tsv", "--document", "lettre",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lettre.tsv").read_text(encoding="utf-8").count("\n") == 6


def test_confirmed_only(runner, reviewed_document, tmp_path):
    out = tmp_path / "reviewed.csv"
    result = runner.invoke(cli, ["export", "--format", "csv", "--confirmed-only",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [r[3] for r in csv_rows(out.read_bytes())] == ["confirmed", "edited"]


def test_min_score(runner, reviewed_document, tmp_path):
    out = tmp_path / "good.csv"
    result = runner.invoke(cli, ["export", "--format", "csv", "--min-score", "0.5",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    # the edited pair (0.4) stays: --min-score filters automatic pairs only
    assert [r[2] for r in csv_rows(out.read_bytes())] == ["0.9000", "0.4000", "0.7000"]


def test_moses_with_a_prefix(runner, reviewed_document, tmp_path):
    result = runner.invoke(cli, ["export", "--format", "moses", "--out", str(tmp_path / "train")])
    assert result.exit_code == 0, result.output
    source = (tmp_path / "train.fr").read_text(encoding="utf-8").splitlines()
    target = (tmp_path / "train.en").read_text(encoding="utf-8").splitlines()
    assert len(source) == len(target) == 3
    assert source[0] == "Bonjour. Comment allez-vous ?" and target[0] == "Hello, how are you?"
    assert f"{tmp_path / 'train.fr'} and {tmp_path / 'train.en'}" in result.output


def test_moses_into_a_folder(runner, reviewed_document, tmp_path):
    result = runner.invoke(cli, ["export", "--format", "moses", "--document", "lettre",
                                 "--out", f"{tmp_path}/moses/"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "moses").iterdir()) == ["lettre.en", "lettre.fr"]


def test_language_codes_are_options(runner, reviewed_document, tmp_path):
    out = tmp_path / "ca.tmx"
    result = runner.invoke(cli, ["export", "--format", "tmx", "--source-lang", "fr-CA",
                                 "--target-lang", "en-US", "--out", str(out)])
    assert result.exit_code == 0, result.output
    root = etree.fromstring(out.read_bytes())
    assert root.find("header").get("srclang") == "fr-CA"
    assert {v.get(XML_LANG) for v in root.iter("tuv")} == {"fr-CA", "en-US"}


def test_an_underscored_language_code_is_a_clear_error(runner, reviewed_document, tmp_path):
    result = runner.invoke(cli, ["export", "--format", "tmx", "--target-lang", "en_gb",
                                 "--out", str(tmp_path / "x.tmx")])
    assert result.exit_code == 1
    assert "underscore" in result.output and "'en-GB'" in result.output
    assert not (tmp_path / "x.tmx").exists()


def test_unknown_document_is_a_clear_error(runner, reviewed_document):
    result = runner.invoke(cli, ["export", "--format", "tmx", "--document", "nope"])
    assert result.exit_code == 1
    assert "no document named 'nope'" in result.output


def test_nothing_to_export_is_a_clear_error(runner, sample_document, tmp_path):
    result = runner.invoke(cli, ["export", "--format", "tmx", "--confirmed-only",
                                 "--out", str(tmp_path / "x.tmx")])
    assert result.exit_code == 1
    assert "no pair to export" in result.output


def test_unknown_format_is_refused_by_the_option(runner, reviewed_document):
    result = runner.invoke(cli, ["export", "--format", "docx"])
    assert result.exit_code == 2
    assert "tmx" in result.output


def test_tmx_changedate_and_changeid_come_from_the_store(db, reviewed_document):
    link = store.links(db, reviewed_document)[0]
    db["links"].update(link["id"], {"updated": "2026-03-18T09:05:07Z", "updated_by": "marie"})
    data = build_export(db, ExportRequest("tmx", "lettre")).rendered.files[0][1]
    first = etree.fromstring(data).find("body/tu")
    assert (first.get("changedate"), first.get("changeid")) == ("20260318T090507Z", "marie")


@pytest.mark.parametrize("value", ["-0.1", "1.5"])
def test_min_score_outside_0_to_1_is_refused(runner, reviewed_document, value):
    result = runner.invoke(cli, ["export", "--format", "csv", "--min-score", value])
    assert result.exit_code == 1
    assert "between 0 and 1" in result.output


def test_translate_toolkit_reads_back_the_stored_pairs(db, reviewed_document, sample_document):
    from translate.storage.tmx import tmxfile
    from translate.storage.xliff2 import Xliff2File

    tmx = build_export(db, ExportRequest("tmx")).rendered.files[0][1]
    xliff = build_export(db, ExportRequest("xliff")).rendered.files[0][1]
    both_sides = [
        ("Bonjour. Comment allez-vous ?", "Hello, how are you?"),
        ("Merci & adieu.", "Thanks & goodbye."),
        ("Fin.", "The end."),
        ("Le roi est mort.", "The king is dead."),
        ("Vive le roi.", "Long live the king."),
        ("La foule applaudit.", "The crowd cheers."),
    ]
    assert [(u.source, u.target) for u in tmxfile.parsestring(tmx).units] == both_sides
    xliff_units = [(u.source, u.target or "") for u in Xliff2File.parsestring(xliff).units]
    assert xliff_units == [*both_sides[:2], ("Orpheline.", ""), *both_sides[2:]]


def test_file_names_are_safe_whatever_the_document_name():
    from workbench.export_source import file_stem

    assert file_stem("Les Misérables / tome 1") == "Les_Misérables_tome_1"
    assert file_stem("../../etc/passwd") == "etc_passwd"
    assert file_stem("...") == "export"
