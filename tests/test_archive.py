"""A corpus aligned by a Dask cluster of worker processes gives what a sequential run gives."""

import json
import logging
import random

import numpy as np
import pytest

from workbench import cli as cli_module
from workbench import store
from workbench.align import AlignSettings
from workbench.archive import PairTask, TaskCache, align_pair, group_texts
from workbench.cli import cli
from workbench.corpus import InputFile
from workbench.embed import text_key
from workbench.importing import ImportOptions

WORDS = [
    "river", "bridge", "mountain", "village", "harbour", "winter", "summer", "letter",
    "window", "garden", "soldier", "market", "doctor", "station", "forest", "candle", "mirror",
    "kitchen", "lantern", "meadow", "orchard", "silver", "thunder", "valley",
]


def write_pair(folder, name: str, seed: int, sentences: int = 9) -> None:
    """French and English files sharing words (the fake model knows nothing else); the
    English merges some French sentences, so that windows are embedded too."""
    rng = random.Random(seed)
    french = [" ".join(rng.sample(WORDS, 4)).capitalize() + "." for _ in range(sentences)]
    english, index = [], 0
    while index < len(french):
        if rng.random() < 0.3 and index + 1 < len(french):
            english.append(french[index][:-1] + ", " + french[index + 1].lower())
            index += 2
        else:
            english.append(french[index])
            index += 1
    middle = len(french) // 2
    (folder / "fr" / f"{name}.txt").write_text(
        " ".join(french[:middle]) + "\n\n" + " ".join(french[middle:]) + "\n", encoding="utf-8")
    (folder / "en" / f"{name}.txt").write_text(" ".join(english) + "\n", encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    (folder / "fr").mkdir(parents=True)
    (folder / "en").mkdir()
    for number in range(6):
        write_pair(folder, f"doc{number}", number)
    return folder


@pytest.fixture
def fake_model(monkeypatch, fake_embedder):
    monkeypatch.setattr(cli_module, "load_embedder", lambda model: fake_embedder)


@pytest.fixture(scope="module")
def scheduler():
    """A cluster of 2 worker processes, as `--workers 2` starts, shared by these tests."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


def align(runner, db_path, corpus, *options):
    return runner.invoke(cli, ["align", "--corpus", str(corpus), "--db", str(db_path),
                               "--no-language-check", *options])


def snapshot(db_path) -> dict:
    """Every document's sentences and links (by text), scores and statuses."""
    db = store.open_db(db_path)
    documents = {}
    for document in db["documents"].rows_where(order_by="name"):
        text = {row["id"]: row["text"] for row in db["sentences"].rows_where(
            "document_id = ?", [document["id"]])}
        documents[document["name"]] = {
            "version": document["version"],
            "sentences": [(row["side"], row["position"], row["paragraph"], row["text"])
                          for row in db["sentences"].rows_where(
                              "document_id = ?", [document["id"]], order_by="side, position")],
            "links": [([text[i] for i in link["source_ids"]],
                       [text[j] for j in link["target_ids"]], round(link["score"], 6),
                       link["status"])
                      for link in store.links(db, document["id"])],
        }
    db.close()
    return documents


def confirm_first_link(db_path, name: str) -> None:
    db = store.open_db(db_path)
    document = store.get_document(db, name)
    link = store.links(db, document["id"])[0]
    db["links"].update(link["id"], {"status": "confirmed"})
    db.close()


@pytest.mark.slow
def test_a_cluster_stores_what_a_sequential_run_stores(runner, tmp_path, corpus, fake_model,
                                                      scheduler):
    sequential, parallel = tmp_path / "sequential.db", tmp_path / "parallel.db"
    first = align(runner, sequential, corpus, "--workers", "1")
    assert first.exit_code == 0, first.output
    result = align(runner, parallel, corpus, "--scheduler", scheduler)
    assert result.exit_code == 0, result.output
    assert "Aligned 6 document(s)" in result.output
    assert snapshot(parallel) == snapshot(sequential)
    assert len(snapshot(parallel)) == 6
    # the vectors the workers brought back are in the cache, as a sequential run leaves them
    for path in (sequential, parallel):
        db = store.open_db(path)
        keys = {row["key"] for row in db["embeddings"].rows}
        assert len(keys) > 50
    assert keys == {row["key"] for row in store.open_db(sequential)["embeddings"].rows}

    # A re-run: one pair's file changed, another's first link was confirmed. Both runs keep
    # the review, skip the unchanged pairs and re-import the changed one the same way.
    for path in (sequential, parallel):
        confirm_first_link(path, "doc1")
        confirm_first_link(path, "doc2")
    write_pair(corpus, "doc2", seed=99)
    assert align(runner, sequential, corpus, "--workers", "1").exit_code == 0
    again = align(runner, parallel, corpus, "--scheduler", scheduler)
    assert again.exit_code == 0, again.output
    assert "doc2: updated" in again.output
    after = snapshot(parallel)
    assert after == snapshot(sequential)
    assert after["doc1"]["links"][0][3] == "confirmed"
    assert after["doc0"]["version"] == 1  # skipped: not even re-aligned


@pytest.mark.slow
def test_a_failing_pair_is_reported_and_the_others_are_stored(runner, tmp_path, corpus,
                                                              fake_model, scheduler, db_path):
    (corpus / "fr" / "doc3.txt").write_bytes(b"\xef\xbb\xbfBonjour \xff\xfe le monde.\n")
    result = align(runner, db_path, corpus, "--scheduler", scheduler)
    assert result.exit_code != 0
    assert "doc3: failed: doc3.txt starts like utf-8-sig but is not" in result.output
    assert "1 of 6 document pair(s) failed" in result.output
    stored = snapshot(db_path)
    assert sorted(stored) == ["doc0", "doc1", "doc2", "doc4", "doc5"]
    db = store.open_db(db_path)
    assert db.execute("select count(*) from sentences where document_id not in "
                      "(select id from documents)").fetchone()[0] == 0
    assert db.execute("select count(*) from links where document_id not in "
                      "(select id from documents)").fetchone()[0] == 0


@pytest.mark.slow
def test_workers_2_starts_its_own_cluster(runner, tmp_path, corpus, fake_model):
    sequential, parallel = tmp_path / "sequential.db", tmp_path / "parallel.db"
    assert align(runner, sequential, corpus, "--workers", "1").exit_code == 0
    result = align(runner, parallel, corpus, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert snapshot(parallel) == snapshot(sequential)
    # nothing changed: nothing is submitted, no cluster starts
    assert "Aligned 6 document(s)" in align(runner, parallel, corpus, "--workers", "2").output


def test_a_task_uses_the_vectors_it_was_sent_and_writes_nothing(fake_embedder, tmp_path):
    source = "Le roi est mort. Vive le roi."
    target = "The king is dead. Long live the king."
    known_text = "Le roi est mort."
    marker = np.full(fake_embedder.dimension, 1 / np.sqrt(fake_embedder.dimension),
                     dtype=np.float32)
    task = PairTask("roi", InputFile("roi.txt", source.encode()),
                    InputFile("roi.txt", target.encode()),
                    ImportOptions(language_check=False), AlignSettings(), fake_embedder.name,
                    known={fake_embedder.name: {text_key(known_text): marker}})
    outcome = align_pair(task, fake_embedder)
    assert [s.text for s in outcome.source] == ["Le roi est mort.", "Vive le roi."]
    fresh = outcome.vectors[fake_embedder.name]
    assert text_key(known_text) not in fresh
    assert text_key("Vive le roi.") in fresh
    assert outcome.links


def test_the_task_cache_reads_a_database_but_keeps_new_vectors_to_itself(db, db_path):
    store.SqliteEmbeddingCache(db).put_vectors("m", {"a": np.ones(3, np.float32)})
    from workbench.archive import open_read_only

    cache = TaskCache({"m": {"b": np.zeros(3, np.float32)}}, open_read_only(str(db_path)))
    cache.put_vectors("m", {"c": np.ones(3, np.float32)})
    assert sorted(cache.get_vectors("m", ["a", "b", "c", "d"])) == ["a", "b", "c"]
    assert sorted(cache.fresh["m"]) == ["c"]
    assert db.execute("select count(*) from embeddings").fetchone()[0] == 1


def test_group_texts_are_the_windows_the_aligner_embeds():
    assert group_texts(["a", "b", "c"], 2) == ["a", "b", "c", "a b", "b c"]


@pytest.mark.slow
def test_eval_with_workers_scores_as_in_process(runner, tmp_path, fake_model, scheduler):
    gold = tmp_path / "gold"
    for number in range(3):
        folder = gold / f"doc{number}"
        folder.mkdir(parents=True)
        rng = random.Random(number)
        lines = [" ".join(rng.sample(WORDS, 4)) for _ in range(6)]
        (folder / "src.sent").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / "tgt.sent").write_text("\n".join(lines[:4] + [lines[4] + " " + lines[5]])
                                         + "\n", encoding="utf-8")
        (folder / "gold.links").write_text("[0]:[0]\n[1]:[1]\n[2]:[2]\n[3]:[3]\n[4, 5]:[4]\n")
    alone = runner.invoke(cli, ["eval", str(gold), "--json", "--workers", "1"])
    together = runner.invoke(cli, ["eval", str(gold), "--json", "--scheduler", scheduler])
    assert alone.exit_code == 0 and together.exit_code == 0, together.output
    first, second = json.loads(alone.output), json.loads(together.output)
    assert second["strict"] == first["strict"] and second["lax"] == first["lax"]
    assert [d["name"] for d in second["documents"]] == ["doc0", "doc1", "doc2"]
    assert [d["links"] for d in second["documents"]] == [d["links"] for d in first["documents"]]
