"""The aligner's settings on the command line."""

import json

import pytest

from workbench import cli as cli_module
from workbench.align import AlignSettings
from workbench.cli import cli


@pytest.fixture
def fake_model(monkeypatch, fake_embedder):
    monkeypatch.setattr(cli_module, "load_embedder", lambda model: fake_embedder)


def presegmented_pair(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    fr, en = tmp_path / "a.fr", tmp_path / "a.en"
    fr.write_text("alpha beta gamma delta\nepsilon zeta\n", encoding="utf-8")
    en.write_text("alpha beta\ngamma delta\nepsilon zeta\n", encoding="utf-8")
    return fr, en


def links_after_align(runner, tmp_path, *options):
    fr, en = presegmented_pair(tmp_path)
    result = runner.invoke(cli, ["align", str(fr), str(en), "--presegmented", *options])
    assert result.exit_code == 0, result.output
    return json.loads(runner.invoke(cli, ["status", "--json"]).output)["links"]


def test_by_default_a_split_sentence_makes_one_link(runner, tmp_path, fake_model):
    # By default the first French sentence takes both English halves: 2 links.
    assert links_after_align(runner, tmp_path / "default") == 2


def test_a_link_size_of_one_forbids_merges(runner, tmp_path, fake_model):
    links = links_after_align(runner, tmp_path / "strict", "--max-link-size", "1",
                              "--no-embed-windows", "--omission-strictness", "20")
    assert links == 3


def test_out_of_range_settings_are_refused(runner, tmp_path, fake_model):
    fr, en = presegmented_pair(tmp_path)
    result = runner.invoke(cli, ["align", str(fr), str(en), "--omission-strictness", "150"])
    assert result.exit_code != 0
    assert "150" in result.output


def test_help_explains_every_setting(runner):
    output = runner.invoke(cli, ["eval", "--help"], terminal_width=200).output
    for name in AlignSettings.field_help():
        assert "--" + name.replace("_", "-") in output


@pytest.mark.parametrize("command", ["align", "eval"])
def test_help_gives_each_settings_whole_explanation(runner, command):
    output = " ".join(runner.invoke(cli, [command, "--help"], terminal_width=200).output.split())
    for name, explanation in AlignSettings.field_help().items():
        assert explanation and explanation in output, name


def test_settings_are_explained_without_reading_the_source(monkeypatch):
    """The help rides in each field's metadata: nothing parses the class's source, which an
    installed package may not ship."""
    import inspect

    def no_source(_):
        raise OSError("no source")

    monkeypatch.setattr(inspect, "getsource", no_source)
    assert all(len(text) > 30 for text in AlignSettings.field_help().values())
