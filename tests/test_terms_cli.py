"""`workbench lookup` and `workbench glossary …`."""

import json

import pytest

from tests.termdata import add_corpus
from workbench.cli import cli


@pytest.fixture
def corpus(db):
    return add_corpus(db)


def test_lookup_prints_variants_and_marked_pairs(runner, corpus):
    result = runner.invoke(cli, ["lookup", "accords", "--no-embeddings"])
    assert result.exit_code == 0, result.output
    assert "2 pair(s) hold 'accords' (fr)" in result.output
    assert "      2  agreement" in result.output
    assert "signé un [[accord]] de paix" in result.output
    assert "a peace [[agreement]]." in result.output
    assert "/documents/histoire?link=" in result.output


def test_lookup_json(runner, corpus):
    result = runner.invoke(cli, ["lookup", "agreement", "--json", "--no-embeddings"])
    data = json.loads(result.output)
    assert data["lang"] == "en"
    assert [v["text"] for v in data["variants"]] == ["accord"]


def test_lookup_errors_are_clear(runner, corpus):
    result = runner.invoke(cli, ["lookup", "accord", "--lang", "zz"])
    assert result.exit_code == 2 and "no stored document is in 'zz'" in result.output
    result = runner.invoke(cli, ["lookup", "***", "--no-embeddings"])
    assert result.exit_code == 1 and "nothing to search for" in result.output


def test_glossary_commands(runner, corpus, tmp_path):
    assert runner.invoke(cli, ["glossary", "add", "dictature du prolétariat",
                               "dictatorship of the proletariat", "--note", "Marx"]).exit_code == 0
    listed = runner.invoke(cli, ["glossary", "list"]).output
    assert "dictature du prolétariat  →  dictatorship of the proletariat  (Marx)" in listed
    check = runner.invoke(cli, ["glossary", "check"]).output
    assert "2/3 consistent" in check
    assert "(here: 'proletarian dictatorship')" in check
    out = tmp_path / "glossary.txt"
    assert runner.invoke(cli, ["glossary", "export", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == (
        "dictature du prolétariat\tdictatorship of the proletariat\tMarx\n")
    tbx = runner.invoke(cli, ["glossary", "export", "--format", "tbx"]).output
    assert '<langSet xml:lang="en">' in tbx
    assert runner.invoke(cli, ["glossary", "edit", "1", "--target", "proletarian dictatorship"]
                         ).exit_code == 0
    assert "1/3 consistent" in runner.invoke(cli, ["glossary", "check"]).output
    assert runner.invoke(cli, ["glossary", "delete", "1"]).exit_code == 0
    imported = runner.invoke(cli, ["glossary", "import", str(out)])
    assert "Imported 1 entries: 1 new" in imported.output
    data = json.loads(runner.invoke(cli, ["glossary", "list", "--json"]).output)
    assert data["entries"][0]["note"] == "Marx"


def test_glossary_import_rejects_a_bad_file_whole(runner, corpus, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("accord\tagreement\nno target here\n", encoding="utf-8")
    result = runner.invoke(cli, ["glossary", "import", str(bad)])
    assert result.exit_code == 1 and "line 2" in result.output
    assert "empty" in runner.invoke(cli, ["glossary", "list"]).output
    assert runner.invoke(cli, ["glossary", "delete", "7"]).exit_code == 1


def test_glossary_import_reads_tbx_and_add_never_overwrites_a_note(runner, corpus, tmp_path):
    from tests.test_glossary import TBX_V2

    termbase = tmp_path / "client.tbx"
    termbase.write_text(TBX_V2, encoding="utf-8")
    result = runner.invoke(cli, ["glossary", "import", str(termbase)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 entries: 3 new" in result.output
    again = runner.invoke(cli, ["glossary", "add", "traité", "treaty", "--note", "Versailles"])
    assert again.exit_code == 1
    assert "already in the glossary" in again.output and "--keep-both-notes" in again.output
    merged = runner.invoke(cli, ["glossary", "add", "traité", "treaty", "--note", "Versailles",
                                 "--keep-both-notes"])
    assert merged.exit_code == 0
    data = json.loads(runner.invoke(cli, ["glossary", "list", "--json"]).output)
    notes = {e["target_term"]: e["note"] for e in data["entries"]}
    assert notes["treaty"] == "Accord entre États; Versailles"
    bad = tmp_path / "broken.tbx"
    bad.write_text("<martif><text>", encoding="utf-8")
    refused = runner.invoke(cli, ["glossary", "import", str(bad)])
    assert refused.exit_code == 1 and "nothing imported: not a well-formed TBX file" in (
        refused.output)
