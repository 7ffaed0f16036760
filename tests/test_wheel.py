"""The wheel works on its own: built, installed in a fresh virtual environment, it serves pages.

An editable install reads templates and static files from the repository, so the other tests
cannot see a wheel that forgot them. This one builds the wheel from a copy of the sources,
installs it (and nothing else) in a new virtual environment, and renders the documents page and
an editor page from the installed package. The dependencies are not downloaded again: a .pth
file makes the current environment's site-packages importable after the new environment's own,
which is checked to be where `workbench` comes from.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

# What the build reads; the rest of the checkout (the venv, the database, caches) is left out.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "alignments", "build", "dist", "*.egg-info", "__pycache__",
    ".pytest_cache", ".ruff_cache", "tests", "bench", "corpus")

RENDER = textwrap.dedent("""
    import json, sys
    import workbench
    from workbench.web import create_app

    app = create_app({"TESTING": True, "DATABASE": sys.argv[1]})
    client = app.test_client()
    pages = {}
    for url in ("/", "/documents/wheel-check", "/static/workbench.css", "/static/review.js"):
        answer = client.get(url, headers={"Accept": "text/html"})
        pages[url] = {"status": answer.status_code, "text": answer.get_data(as_text=True)}
    print(json.dumps({"workbench": workbench.__file__, "pages": pages}))
""")


def run(command: list[str], **options) -> subprocess.CompletedProcess:
    """Run a command, and fail the test with its output when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, **options)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the sources, without network or build isolation."""
    work = tmp_path_factory.mktemp("wheel")
    sources = work / "src"
    shutil.copytree(PROJECT_ROOT, sources, ignore=NOT_SOURCES)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", str(work / "dist"), str(sources)], cwd=work)
    (built,) = (work / "dist").glob("workbench-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_python(wheel, tmp_path_factory) -> Path:
    """A new virtual environment holding only the wheel, its dependencies borrowed."""
    home = tmp_path_factory.mktemp("venv") / "env"
    venv.create(home, with_pip=False)
    python = home / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", str(wheel)])
    new_site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
                   ).stdout.strip()
    # Lines of a .pth are appended to sys.path after the environment's own site-packages, and
    # the .pth files inside them (an editable install's finder) are not run. The current path
    # may itself borrow from another environment, so all of it is lent, except the checkout.
    (Path(new_site) / "borrowed-dependencies.pth").write_text(
        "\n".join(borrowed_paths()) + "\n", encoding="utf-8")
    return python


def borrowed_paths() -> list[str]:
    """The directories this process imports from, less any that holds a `workbench` package."""
    standard = {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")}
    return [entry for entry in dict.fromkeys(sys.path)
            if entry and entry not in standard and Path(entry).is_dir()
            and not (Path(entry) / "workbench").exists()]


def clean_environment() -> dict[str, str]:
    """This process's environment without what would put the repository on the path."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    environment.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", WORKBENCH_WORKERS="1")
    return environment


def test_the_wheel_carries_the_templates_and_static_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (PROJECT_ROOT / "templates").glob("*.html"):
        assert f"workbench/templates/{template.name}" in names
    for static in (PROJECT_ROOT / "static").iterdir():
        if static.is_file() and static.suffix != ".pyc":
            assert f"workbench/static/{static.name}" in names


def test_the_installed_wheel_renders_the_documents_and_editor_pages(fresh_python, tmp_path):
    home = fresh_python.parents[1]
    french, english = tmp_path / "fr.txt", tmp_path / "en.txt"
    french.write_text("Le roi est mort. Vive le roi.\n\nLa foule applaudit.\n", encoding="utf-8")
    english.write_text("The king is dead. Long live the king.\n\nThe crowd cheers.\n",
                       encoding="utf-8")
    database = tmp_path / "workbench.db"
    environment = clean_environment()
    run([str(home / "bin" / "workbench"), "align", str(french), str(english),
         "--name", "wheel-check", "--no-language-check", "--db", str(database)],
        cwd=tmp_path, env=environment)

    done = run([str(fresh_python), "-c", RENDER, str(database)], cwd=tmp_path, env=environment)
    answer = json.loads(done.stdout.strip().splitlines()[-1])

    imported_from = Path(answer["workbench"]).resolve()
    assert imported_from.is_relative_to(home.resolve()), imported_from
    assert not imported_from.is_relative_to(PROJECT_ROOT.resolve())
    pages = answer["pages"]
    assert pages["/"]["status"] == 200, pages["/"]["text"][:2000]
    assert "wheel-check" in pages["/"]["text"]
    editor = pages["/documents/wheel-check"]
    assert editor["status"] == 200, editor["text"][:2000]
    assert "La foule applaudit." in editor["text"]
    assert "The crowd cheers." in editor["text"]
    assert pages["/static/workbench.css"]["status"] == 200
    assert pages["/static/review.js"]["status"] == 200

    # The installed command serves the same pages (waitress, on loopback).
    port = free_port()
    server = subprocess.Popen(
        [str(home / "bin" / "workbench"), "serve", "--port", str(port), "--db", str(database)],
        cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        editor_page = fetch(f"http://127.0.0.1:{port}/documents/wheel-check", server)
        stylesheet = fetch(f"http://127.0.0.1:{port}/static/workbench.css", server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "The crowd cheers." in editor_page
    assert "font" in stylesheet


# Straight to loopback, whatever proxy the environment names.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, server: subprocess.Popen, wait: float = 90.0) -> str:
    """GET `url` once the server answers; fail with its output if it stops first."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with DIRECT.open(url, timeout=10) as answer:
                return answer.read().decode("utf-8")
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                output = server.stdout.read().decode("utf-8", "replace") if server.stdout else ""
                raise AssertionError(f"workbench serve did not answer {url}:\n{output}") from None
            time.sleep(0.5)
