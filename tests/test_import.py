"""Importing documents: bad input is refused with a clear message and changes nothing."""

import json

import pytest

from workbench import cli as cli_module
from workbench import store
from workbench.cli import cli
from workbench.corpus import ImportRefused, InputFile
from workbench.importing import ImportOptions, create_aligned_document, import_document
from workbench.reimport import reimport_document
from workbench.segment import Sentence
from workbench.status import Status
from workbench.web.errors import status_of

FRENCH = (
    "Le vieux port de Marseille s'éveille avant l'aube. Les pêcheurs déchargent leurs "
    "caisses pendant que les mouettes tournent au-dessus des quais.\n\nUn peu plus tard, "
    "les touristes arrivent et les cafés sortent leurs terrasses.\n"
)
ENGLISH = (
    "The old harbour of Marseille wakes up before dawn. Fishermen unload their crates "
    "while the gulls circle above the quays.\n\nA little later the tourists arrive and the "
    "cafés set out their terraces.\n"
)


def snapshot(db_path) -> dict:
    """Everything an import could change, to compare before and after."""
    db = store.open_db(db_path)
    try:
        return {
            table: list(db[table].rows)
            for table in ("documents", "sentences", "links", "embeddings")
        }
    finally:
        db.close()


@pytest.fixture
def use_fake_embedder(monkeypatch, fake_embedder):
    monkeypatch.setattr(cli_module, "load_embedder", lambda model: fake_embedder)


@pytest.fixture
def files(tmp_path):
    fr, en = tmp_path / "port.fr.txt", tmp_path / "port.en.txt"
    fr.write_text(FRENCH, encoding="utf-8")
    en.write_text(ENGLISH, encoding="utf-8")
    return fr, en


@pytest.fixture
def corpus(tmp_path):
    """A corpus folder holding one pair of files, port.txt in fr/ and en/."""
    folder = tmp_path / "corpus"
    (folder / "fr").mkdir(parents=True)
    (folder / "en").mkdir()
    (folder / "fr" / "port.txt").write_text(FRENCH)
    (folder / "en" / "port.txt").write_text(ENGLISH)
    return folder


@pytest.fixture
def imported(runner, files, use_fake_embedder, db_path):
    """One document already in the database, so that refusals have something to keep."""
    result = runner.invoke(cli, ["align", str(files[0]), str(files[1]), "--name", "port"])
    assert result.exit_code == 0, result.output
    return snapshot(db_path)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "vide.txt", "is empty"),
        (b"\x00\x01\x02\x03binary\x00" * 20, "data.txt", "binary"),
        (bytes(range(128, 256)) * 20, "bizarre.txt", "cannot be decoded"),
        (ENGLISH.encode(), "swapped.txt", "given as French but reads as English"),
    ],
)
def test_bad_french_file_is_refused_and_the_database_is_unchanged(
    runner, imported, files, tmp_path, db_path, content, filename, message
):
    bad = tmp_path / filename
    bad.write_bytes(content)
    result = runner.invoke(cli, ["align", str(bad), str(files[1]), "--name", "other"])
    assert result.exit_code != 0
    assert message in result.output
    assert snapshot(db_path) == imported


def test_oversized_file_is_refused(runner, imported, files, db_path):
    result = runner.invoke(
        cli, ["align", str(files[0]), str(files[1]), "--name", "other", "--max-size", "100"]
    )
    assert result.exit_code != 0
    assert "too large" in result.output and "--max-size" in result.output
    assert snapshot(db_path) == imported


def test_duplicate_import_is_refused(runner, imported, files, db_path):
    result = runner.invoke(cli, ["align", str(files[0]), str(files[1]), "--name", "port"])
    assert result.exit_code != 0
    assert "already imported with exactly this text" in result.output
    assert snapshot(db_path) == imported


def test_names_that_do_not_pair_are_refused(runner, imported, tmp_path, db_path,
                                            use_fake_embedder):
    (tmp_path / "corpus" / "fr").mkdir(parents=True)
    (tmp_path / "corpus" / "en").mkdir()
    (tmp_path / "corpus" / "fr" / "port.txt").write_text(FRENCH)
    (tmp_path / "corpus" / "en" / "harbour.txt").write_text(ENGLISH)
    result = runner.invoke(cli, ["align", "--corpus", str(tmp_path / "corpus")])
    assert result.exit_code != 0
    assert "harbour.txt" in result.output and "port.txt" in result.output
    assert snapshot(db_path) == imported


def test_language_check_can_be_switched_off(runner, files, tmp_path, use_fake_embedder):
    swapped = tmp_path / "swapped.txt"
    swapped.write_text(ENGLISH)
    result = runner.invoke(
        cli, ["align", str(swapped), str(files[1]), "--name", "x", "--no-language-check"]
    )
    assert result.exit_code == 0, result.output


def test_formats_import_through_the_cli(runner, tmp_path, use_fake_embedder, db_path):
    fr = tmp_path / "port.md"
    fr.write_text("# Le port\n\n" + FRENCH)
    en = tmp_path / "port.html"
    en.write_bytes(
        ("<html><body><h1>The harbour</h1>"
         + "".join(f"<p>{p}</p>" for p in ENGLISH.split("\n\n")) + "</body></html>"
         ).encode("cp1252")
    )
    result = runner.invoke(cli, ["align", str(fr), str(en), "--name", "port"])
    assert result.exit_code == 0, result.output
    db = store.open_db(db_path)
    document = store.get_document(db, "port")
    source = store.sentences(db, document["id"], store.SOURCE)
    target = store.sentences(db, document["id"], store.TARGET)
    assert (source[0]["text"], source[0]["kind"]) == ("Le port", "heading")
    assert (target[0]["text"], target[0]["kind"]) == ("The harbour", "heading")
    assert target[-1]["text"] == "A little later the tourists arrive and the cafés set out " \
        "their terraces."


def test_footnote_markers_are_stored_with_their_sentence(db, fake_embedder):
    source = InputFile("a.txt", b"Il cita le manuel.6 La suite vint.\n")
    target = InputFile("b.txt", b"He quoted the manual.6 The rest followed.\n")
    result = import_document(db, "notes", source, target, fake_embedder,
                             options=ImportOptions(language_check=False))
    rows = store.sentences(db, result.document_id, store.SOURCE)
    assert [(r["text"], r["notes"]) for r in rows] == [
        ("Il cita le manuel.", json.dumps(["6"])), ("La suite vint.", None),
    ]


def test_an_import_that_fails_half_way_writes_nothing(db, fake_embedder, monkeypatch):
    from workbench.store import documents

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(documents, "link_row", broken)
    with pytest.raises(RuntimeError):
        import_document(db, "port", InputFile("a.txt", FRENCH.encode()),
                        InputFile("b.txt", ENGLISH.encode()), fake_embedder)
    assert store.list_documents(db) == []
    assert db["sentences"].count == 0


# --- re-import of a changed document ----------------------------------------------


def _words(*texts):
    return [Sentence(text, 0) for text in texts]


def test_reimport_keeps_unchanged_sentences_links_and_reviews(db, fake_embedder):
    source = _words("alpha beta.", "gamma delta.", "epsilon zeta.", "eta theta.")
    target = _words("alpha beta.", "gamma delta.", "epsilon zeta.", "eta theta.")
    document_id, _ = create_aligned_document(db, "doc", source, target, fake_embedder)
    links = store.links(db, document_id)
    # The translator confirms the first link.
    db["links"].update(links[0]["id"], {"status": Status.CONFIRMED, "updated_by": "ana"})
    old_ids = {r["text"]: r["id"] for r in store.sentences(db, document_id, store.SOURCE)}
    last_link_ids = (links[-1]["source_ids"], links[-1]["target_ids"])

    changed_source = _words("alpha beta.", "gamma delta.", "iota kappa.", "eta theta.")
    changed_target = _words("alpha beta.", "gamma delta.", "iota kappa.", "eta theta.")
    changes = reimport_document(db, document_id, changed_source, changed_target, fake_embedder)

    assert changes.removed == {"source": ["epsilon zeta."], "target": ["epsilon zeta."]}
    assert changes.added == {"source": ["iota kappa."], "target": ["iota kappa."]}
    assert changes.links_kept == 3 and changes.reviewed_kept == 1
    assert changes.links_realigned == 1
    assert "1 sentence(s) added, 1 removed" in changes.summary()
    new_rows = store.sentences(db, document_id, store.SOURCE)
    assert [r["text"] for r in new_rows] == [s.text for s in changed_source]
    assert new_rows[0]["id"] == old_ids["alpha beta."]
    assert new_rows[3]["id"] == old_ids["eta theta."]
    new_links = store.links(db, document_id)
    assert new_links[0]["status"] == Status.CONFIRMED
    assert new_links[0]["updated_by"] == "ana"
    assert (new_links[-1]["source_ids"], new_links[-1]["target_ids"]) == last_link_ids
    middle = store.pairs(db, document_id)[2]
    assert [s["text"] for s in middle["source"]] == ["iota kappa."]
    assert [s["text"] for s in middle["target"]] == ["iota kappa."]


def test_reimport_through_the_cli_reports_the_changes(runner, tmp_path, db_path,
                                                      use_fake_embedder):
    # The bag-of-words test embedder links sentences that share words: same text both sides.
    fr, en = tmp_path / "a.fr.txt", tmp_path / "a.en.txt"
    text = "alpha beta gamma. delta epsilon zeta. eta theta iota.\n"
    fr.write_text(text)
    en.write_text(text)
    args = ["align", str(fr), str(en), "--name", "a", "--no-language-check"]
    assert runner.invoke(cli, args).exit_code == 0
    before = snapshot(db_path)
    fr.write_text(text.replace("delta epsilon zeta", "kappa lambda mu"))
    en.write_text(text.replace("delta epsilon zeta", "kappa lambda mu"))
    refused = runner.invoke(cli, args)
    assert refused.exit_code != 0 and "--replace" in refused.output
    assert snapshot(db_path) == before
    result = runner.invoke(cli, [*args, "--replace"])
    assert result.exit_code == 0, result.output
    assert "a: updated: French: 1 sentence(s) added, 1 removed; " \
        "English: 1 sentence(s) added, 1 removed; 2 link(s) kept (0 reviewed), 1 re-aligned" \
        in result.output


def test_corpus_sync_updates_changed_files(runner, corpus, use_fake_embedder, db_path):
    assert runner.invoke(cli, ["align", "--corpus", str(corpus)]).exit_code == 0
    again = runner.invoke(cli, ["align", "--corpus", str(corpus)])
    assert again.exit_code == 0 and "updated" not in again.output
    (corpus / "en" / "port.txt").write_text(ENGLISH + "\nThe end came at night.\n")
    result = runner.invoke(cli, ["align", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "English: 1 sentence(s) added, 0 removed" in result.output


def test_refusal_has_an_http_status():
    with pytest.raises(ImportRefused) as caught:
        from workbench.importing import prepare_side

        prepare_side(InputFile("big.txt", b"x" * 50), "fr", "en", ImportOptions(max_bytes=10))
    assert status_of(caught.value) == 413


def test_compilation_through_the_cli(runner, tmp_path, use_fake_embedder, db_path):
    page, one, two = tmp_path / "page.md", tmp_path / "one.txt", tmp_path / "two.txt"
    page.write_text("# Welcome to the page\n\nalpha beta gamma. delta epsilon.\n\n"
                    "zeta eta theta. iota kappa.\n\nShare on social media\n")
    one.write_text("alpha beta gamma. delta epsilon.\n")
    two.write_text("zeta eta theta. iota kappa.\n")
    result = runner.invoke(cli, ["align", "--compilation", str(page), str(one), str(two),
                                 "--no-language-check"])
    assert result.exit_code == 0, result.output
    assert "page-one: 1 paragraph(s) matched" in result.output
    assert "page-unmatched: 2 paragraph(s) left unmatched" in result.output
    status = json.loads(runner.invoke(cli, ["status", "--json"]).output)
    assert [d["name"] for d in status["items"]] == ["page-one", "page-two", "page-unmatched"]
    again = runner.invoke(cli, ["align", "--compilation", str(page), str(one), str(two),
                                "--no-language-check"])
    assert again.exit_code != 0 and "already imported" in again.output


def test_compilation_needs_files(runner, use_fake_embedder):
    result = runner.invoke(cli, ["align", "--compilation"])
    assert result.exit_code != 0
    assert "--compilation needs the English file" in result.output


@pytest.mark.parametrize("name", ["", "  ", "a/b", " padded"])
def test_names_must_fit_in_a_url(db, fake_embedder, name):
    with pytest.raises(ImportRefused, match="name"):
        import_document(db, name, InputFile("a.txt", FRENCH.encode()),
                        InputFile("b.txt", ENGLISH.encode()), fake_embedder)
    assert store.list_documents(db) == []


def test_running_align_again_keeps_what_was_edited_in_the_browser(
    runner, corpus, use_fake_embedder, db_path
):
    assert runner.invoke(cli, ["align", "--corpus", str(corpus)]).exit_code == 0
    db = store.open_db(db_path)
    document_id = store.get_document(db, "port")["id"]
    first = store.sentences(db, document_id, store.TARGET)[0]
    db["sentences"].update(first["id"], {"text": "A typo fixed in the editor."})
    db.execute("update links set status = 'confirmed' where document_id = ?", [document_id])
    db.conn.commit()
    before = snapshot(db_path)

    result = runner.invoke(cli, ["align", "--corpus", str(corpus)])

    assert result.exit_code == 0, result.output
    assert snapshot(db_path) == before


# --- issue 13: third languages, bullets, wording; issue 12: limits ------------------------


def test_a_third_language_is_refused_by_the_cli_with_its_flag(runner, tmp_path,
                                                              use_fake_embedder, db_path):
    german = tmp_path / "hafen.txt"
    german.write_text(
        "Der alte Hafen von Marseille erwacht vor der Morgendämmerung. Die Fischer laden "
        "ihre Kisten aus, während die Möwen über den Kais kreisen. Etwas später kommen die "
        "Touristen und die Cafés stellen ihre Terrassen auf.\n", encoding="utf-8")
    french = tmp_path / "port.txt"
    french.write_text(FRENCH, encoding="utf-8")
    result = runner.invoke(cli, ["align", str(french), str(german), "--name", "port"])
    assert result.exit_code != 0
    assert "given as English but reads as German" in result.output
    assert "--no-language-check" in result.output
    assert store.list_documents(store.open_db(db_path)) == []


@pytest.mark.parametrize("suffix", ["md", "docx"])
def test_list_bullets_are_stored_as_kind_not_text(db, fake_embedder, suffix):
    items = ["les décrets Lacoste ;", "la loi sur les pleins pouvoirs."]
    if suffix == "md":
        data = ("Les mesures prises :\n\n" + "".join(f"- {item}\n" for item in items)).encode()
    else:
        import io

        docx = pytest.importorskip("docx")
        document = docx.Document()
        document.add_paragraph("Les mesures prises :")
        for item in items:
            document.add_paragraph(item, style="List Bullet")
        buffer = io.BytesIO()
        document.save(buffer)
        data = buffer.getvalue()
    result = import_document(db, "mesures", InputFile(f"fr.{suffix}", data),
                             InputFile(f"en.{suffix}", data), fake_embedder,
                             options=ImportOptions(language_check=False))
    rows = store.sentences(db, result.document_id, store.SOURCE)
    assert [(row["kind"], row["text"]) for row in rows[1:]] == [("item", item) for item in items]


def test_an_import_past_the_sentence_limit_is_refused(db, fake_embedder):
    text = " ".join(f"Phrase numéro {n} du texte." for n in range(200)).encode()
    with pytest.raises(ImportRefused, match="more than 100 sentences") as caught:
        import_document(db, "long", InputFile("a.txt", text), InputFile("b.txt", text),
                        fake_embedder, options=ImportOptions(language_check=False,
                                                              max_sentences=100))
    assert status_of(caught.value) == 413
    assert store.list_documents(db) == []
