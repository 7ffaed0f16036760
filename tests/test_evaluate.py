import pytest

from workbench.evaluate import (
    Counts,
    DocumentResult,
    GoldFormatError,
    count_links,
    find_gold_documents,
    format_links,
    parse_links,
    read_gold_document,
    reliability_table,
    score_links,
    total_counts,
)

GOLD = [((0,), (0,)), ((1, 2), (1,)), ((3,), ()), ((4,), (2, 3))]


def test_links_are_read_in_the_vecalign_format():
    text = "[0]:[0]\n[1, 2]:[1]\n[3]:[]\n\n[]:[4]\n"
    assert parse_links(text) == [((0,), (0,)), ((1, 2), (1,)), ((3,), ()), ((), (4,))]
    assert parse_links(format_links(parse_links(text))) == parse_links(text)


def test_a_malformed_line_names_the_line():
    with pytest.raises(GoldFormatError, match="line 2"):
        parse_links("[0]:[0]\n0 - 1\n")


def test_a_perfect_prediction_scores_one():
    scores = score_links(GOLD, GOLD)
    assert scores["strict"].f1 == scores["lax"].f1 == 1.0


def test_precision_counts_omissions_but_recall_leaves_them_out():
    predicted = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ()), ((4,), (2, 3))]
    counts = count_links(predicted, GOLD)
    # Precision over all 5 predicted links: (0)-(0), (3)-() and (4)-(2,3) are exact.
    assert counts.predicted == 5 and counts.strict_correct_predicted == 3
    # Recall over the 3 gold links with both sides: (1,2)-(1) was missed.
    assert counts.gold == 3 and counts.strict_found_gold == 2
    scores = counts.scores()["strict"]
    assert scores.precision == pytest.approx(3 / 5)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(2 * 0.6 * (2 / 3) / (0.6 + 2 / 3))


def test_lax_forgives_a_link_that_overlaps_a_gold_link():
    predicted = [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), ()), ((4,), (2, 3))]
    counts = count_links(predicted, GOLD)
    # (1)-(1) overlaps gold (1,2)-(1); (2)-() touches nothing on the target side.
    assert counts.lax_correct_predicted == 4
    assert counts.lax_found_gold == 3


def test_counts_add_up_over_documents_micro_average():
    first = count_links([((0,), (0,))], [((0,), (0,))])
    second = count_links([((0,), (1,)), ((1,), (0,))], [((0,), (0,)), ((1,), (1,))])
    total = total_counts([DocumentResult("a", first), DocumentResult("b", second)])
    assert total == first + second
    assert total.scores()["strict"].precision == pytest.approx(1 / 3)
    assert Counts().scores()["strict"].f1 == 0.0


def write_gold(folder, source, target, links, paragraphs=None):
    folder.mkdir(parents=True)
    (folder / "src.sent").write_text("\n".join(source) + "\n", encoding="utf-8")
    (folder / "tgt.sent").write_text("\n".join(target) + "\n", encoding="utf-8")
    (folder / "gold.links").write_text(format_links(links), encoding="utf-8")
    if paragraphs:
        (folder / "src.par").write_text("".join(f"{p}\n" for p in paragraphs[0]))
        (folder / "tgt.par").write_text("".join(f"{p}\n" for p in paragraphs[1]))


def test_gold_folders_are_found_at_any_depth(tmp_path):
    write_gold(tmp_path / "novels" / "b", ["un", "deux"], ["one", "two"],
               [((0,), (0,)), ((1,), (1,))], paragraphs=([0, 1], [0, 1]))
    write_gold(tmp_path / "novels" / "a", ["x"], ["y"], [((0,), (0,))])
    documents = find_gold_documents(tmp_path)
    assert [d.name for d in documents] == ["novels/a", "novels/b"]
    assert documents[1].source == ["un", "deux"]
    assert documents[1].target_paragraphs == [0, 1]
    assert documents[0].source_paragraphs is None


def test_a_link_past_the_end_is_an_error(tmp_path):
    write_gold(tmp_path / "doc", ["un"], ["one"], [((0,), (1,))])
    with pytest.raises(GoldFormatError, match="out of range"):
        read_gold_document(tmp_path / "doc")


def test_reliability_table_gives_the_share_right_per_bucket():
    table = reliability_table([(0.95, True), (0.97, False), (1.0, True), (0.2, False)],
                              edges=(0.0, 0.5, 0.9, 1.0))
    assert [(row["links"], row["correct"]) for row in table] == [
        (1, 0.0), (0, None), (3, pytest.approx(2 / 3))]


@pytest.fixture
def gold_dir(tmp_path):
    root = tmp_path / "gold"
    write_gold(root / "set" / "doc", ["alpha beta", "gamma delta epsilon zeta", "eta theta"],
               ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"],
               [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,))], paragraphs=([0, 0, 1], [0, 0, 0, 1]))
    write_gold(root / "set" / "other", ["one two", "three four"], ["one two", "three four"],
               [((0,), (1,)), ((1,), (0,))])
    return root


@pytest.fixture
def fake_model(monkeypatch, fake_embedder):
    monkeypatch.setattr("workbench.cli.load_embedder", lambda model: fake_embedder)
    return fake_embedder


def test_eval_prints_scores_per_document_and_overall(runner, gold_dir, fake_model):
    from workbench.cli import cli

    result = runner.invoke(cli, ["eval", str(gold_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["document", "strict"]
    doc = next(line for line in lines if line.startswith("set/doc"))
    assert doc.split()[1:] == ["1.0000"] * 6
    other = next(line for line in lines if line.startswith("set/other"))
    assert other.split()[3] == "0.0000"  # the gold crosses; the aligner cannot
    assert any(line.startswith("all (micro-average)") for line in lines)


def test_eval_json_has_the_documented_shape(runner, gold_dir, fake_model):
    import json

    from workbench.cli import cli

    result = runner.invoke(cli, ["eval", str(gold_dir), "--json", "--max-link-size", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"strict", "lax", "documents", "seconds"}
    assert set(report["strict"]) == {"precision", "recall", "f1"}
    assert [d["name"] for d in report["documents"]] == ["set/doc", "set/other"]
    # 3 of 5 predicted links are exact; 3 of 5 gold links are found.
    assert report["strict"]["precision"] == pytest.approx(3 / 5)
    assert report["strict"]["recall"] == pytest.approx(3 / 5)


def test_eval_without_gold_is_a_clear_error(runner, tmp_path, fake_model):
    from workbench.cli import cli

    result = runner.invoke(cli, ["eval", str(tmp_path)])
    assert result.exit_code != 0
    assert "no folder with gold.links" in result.output
