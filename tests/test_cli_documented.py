"""Every command and option of the command line is documented in docs/.

The rule (docs/development.md says it too): a command path such as `workbench glossary add`
is documented when a section of a page in docs/ names it, a section being a Markdown heading
with the text below it down to the next heading of any level. Each of the command's options
(every long name: `--embed-windows` and `--no-embed-windows`) and arguments (their upper-case
name: `FILES`) must appear in one of the sections that name the command.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.conftest import PROJECT_ROOT
from workbench.cli import cli

DOCS = PROJECT_ROOT / "docs"
HEADING = re.compile(r"^#{1,6} ", re.M)


def command_paths(command: click.Command, path: str = "workbench"
                  ) -> Iterator[tuple[str, click.Command]]:
    """Every visible command under the group, with its full path, the group first."""
    yield path, command
    if isinstance(command, click.Group):
        for name, subcommand in sorted(command.commands.items()):
            if not subcommand.hidden:
                yield from command_paths(subcommand, f"{path} {name}")


def parameter_names(command: click.Command) -> list[str]:
    """The names a reader types: long option names (short ones when there is no long one)
    and arguments' upper-case names."""
    names: list[str] = []
    for parameter in command.params:
        if isinstance(parameter, click.Argument):
            names.append(parameter.human_readable_name)
        elif isinstance(parameter, click.Option) and not parameter.hidden:
            spellings = [*parameter.opts, *parameter.secondary_opts]
            names += [name for name in spellings if name.startswith("--")] or spellings
    return names


def doc_sections(folder: Path = DOCS) -> list[str]:
    """The sections of every page in docs/, each from its heading to the next heading."""
    sections: list[str] = []
    for page in sorted(folder.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        # Headings inside code blocks (shell comments) do not start sections.
        starts = [match.start() for match in HEADING.finditer(text)
                  if text[:match.start()].count("```") % 2 == 0]
        bounds = [0, *starts, len(text)]
        sections += [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    return sections


def mentions(text: str, word: str) -> bool:
    """`word` stands in `text` on its own: not inside a longer name (`--db` in `--dbx`)."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


SECTIONS = doc_sections()
COMMANDS = list(command_paths(cli))


def test_the_walk_finds_the_nested_commands_and_their_options():
    paths = dict(COMMANDS)
    assert "workbench glossary add" in paths
    assert "--workers" in parameter_names(paths["workbench align"])
    assert {"--embed-windows", "--no-embed-windows"} <= set(
        parameter_names(paths["workbench align"]))
    assert "FILES" in parameter_names(paths["workbench align"])


def test_the_rule_sees_a_missing_option():
    assert not mentions("workbench align --workers-max", "--workers")
    assert mentions("(`--workers`, 4)", "--workers")
    assert mentions("`workbench glossary add SOURCE`", "workbench glossary add")
    assert not mentions("workbench glossary addition", "workbench glossary add")


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS])
def test_every_command_and_option_is_documented(path):
    command = dict(COMMANDS)[path]
    sections = [section for section in SECTIONS if mentions(section, path)]
    assert sections, f"no section of docs/*.md names `{path}`"
    missing = [name for name in parameter_names(command)
               if not any(mentions(section, name) for section in sections)]
    assert not missing, (
        f"`{path}`: {missing} appear in no section of docs/*.md that names the command")
