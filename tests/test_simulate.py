"""The simulated translator on small documents whose review is known by hand."""

from workbench import store
from workbench.evaluate import GoldDocument
from workbench.simulate import (
    missing_gold_links,
    realigning,
    representable_gold,
    review_document,
    simulate_review,
)

from . import test_evaluate
from .conftest import sentences

WORDS = ("le chat dort", "le chien court", "la pluie tombe", "le soleil brille",
         "la mer monte", "le vent souffle", "la neige fond", "le train part")
ONE_TO_ONE = [((k,), (k,)) for k in range(len(WORDS))]
gold_dir = test_evaluate.gold_dir  # the eval tests' fixtures: two gold documents, a model
fake_model = test_evaluate.fake_model


def stored(db, rows, scores=None) -> int:
    """WORDS on both sides, linked as `rows` (positions), all automatic."""
    doc = store.create_document(db, "doc", sentences(*WORDS), sentences(*WORDS))
    src = [s["id"] for s in store.sentences(db, doc, store.SOURCE)]
    tgt = [t["id"] for t in store.sentences(db, doc, store.TARGET)]
    scores = scores or [0.9] * len(rows)
    store.replace_links(db, doc, [
        {"source_ids": [src[i] for i in s], "target_ids": [tgt[j] for j in t], "score": score}
        for (s, t), score in zip(rows, scores, strict=True)])
    return doc


def merged_rows():
    """One wrong 2-1 merge: sentences 2 and 3 against 2, and 3 left alone on the target."""
    return [((0,), (0,)), ((1,), (1,)), ((2, 3), (2,)), ((), (3,)),
            *[((k,), (k,)) for k in range(4, len(WORDS))]]


def test_a_document_that_is_right_needs_no_hand_set_link(db, fake_embedder):
    doc = stored(db, ONE_TO_ONE)
    run = review_document(db, doc, ONE_TO_ONE, realigning(fake_embedder))
    assert (run.hand_set, run.looks, run.looks_to_trusted) == (0, len(WORDS), 0)
    assert run.realign_ms == []


def test_one_wrong_merge_needs_one_hand_set_link_when_the_product_realigns(db, fake_embedder):
    scores = [0.9, 0.9, 0.2, 0.3] + [0.9] * (len(WORDS) - 4)
    doc = stored(db, merged_rows(), scores)
    run = review_document(db, doc, ONE_TO_ONE, realigning(fake_embedder))
    # the translator pairs 2 with 2; the re-alignment pairs 3 with 3, which they confirm
    assert run.hand_set == 1 and len(run.realign_ms) == 1
    assert run.looks == len(WORDS)  # the wrong row, the row put right, and the others
    # the rest was right once that row was done (two rows looked at)
    assert run.looks_to_trusted == 2
    assert [link["status"] for link in store.links(db, doc)] == ["confirmed"] * len(WORDS)


def test_the_static_figure_counts_every_wrong_link(db):
    rows = [((0, 1), (0,)), ((2,), (1, 2)), ((3,), (3,)), ((4,), ()), ((), (4,)),
            ((5, 6), (5, 6)), ((7,), (7,))]
    assert missing_gold_links(rows, ONE_TO_ONE) == 6  # all but 3-3 and 7-7
    assert missing_gold_links(merged_rows(), ONE_TO_ONE) == 2


def test_without_realignment_a_correction_fixes_only_what_it_sets(db):
    doc = stored(db, merged_rows(), [0.9, 0.9, 0.2, 0.3] + [0.9] * (len(WORDS) - 4))
    run = review_document(db, doc, ONE_TO_ONE)
    assert run.hand_set == 2 and run.realign_ms == []


def test_a_gold_document_is_imported_aligned_and_reviewed_twice(db, fake_embedder):
    gold = list(ONE_TO_ONE)
    document = GoldDocument("tiny", list(WORDS), list(WORDS), gold)
    result = simulate_review(db, document, fake_embedder)
    assert result.before.strict_found_gold == len(WORDS)
    assert (result.product.hand_set, result.static_hand_set) == (0, 0)
    figures = result.as_dict()
    assert figures["hand_set_per_100"] == 0 and figures["strict_f1_before"] == 1.0
    assert [d["name"] for d in store.list_documents(db)] == ["tiny"]


def test_a_gold_link_with_a_gap_is_joined_with_the_links_in_it():
    gold = [((0,), (0,)), ((1,), (1, 3, 4)), ((), (2,)), ((2,), (5,))]
    assert representable_gold(gold) == [((0,), (0,)), ((1,), (1, 2, 3, 4)), ((2,), (5,))]
    assert representable_gold(ONE_TO_ONE) == ONE_TO_ONE


def test_gold_links_that_cross_are_joined():
    gold = [((0,), (0,)), ((1,), (2,)), ((2,), (1,)), ((3,), (3,))]
    assert representable_gold(gold) == [((0,), (0,)), ((1, 2), (1, 2)), ((3,), (3,))]


def test_a_sentence_the_gold_leaves_out_stands_alone():
    assert representable_gold([((0,), (1,))], 2, 2) == [((0,), (1,)), ((1,), ()), ((), (0,))]


def test_eval_simulate_review_reports_the_figures_per_document_and_overall(runner, gold_dir,
                                                                           fake_model):
    import json

    from workbench.cli import cli

    result = runner.invoke(cli, ["eval", str(gold_dir), "--simulate-review", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"strict", "lax", "documents", "review", "seconds"}
    figures = {"hand_set_per_100", "static_hand_set_per_100", "looks_to_995_per_100",
               "realign_ms", "hand_set", "static_hand_set", "looks", "corrections"}
    assert set(report["review"]) == figures
    assert [d["name"] for d in report["documents"]] == ["set/doc", "set/other"]
    assert all(figures <= set(d) for d in report["documents"])
    # "other" crosses: the rows can only hold its two links as one, which the translator sets
    other = report["documents"][1]
    assert other["gold_links"] == 1 and other["hand_set"] == 1 and other["static_hand_set"] == 1
    table = runner.invoke(cli, ["eval", str(gold_dir), "--simulate-review"])
    assert table.exit_code == 0 and "all (micro-average)" in table.output


def test_a_wrong_rows_largest_gold_link_is_set_first(db):
    """Row 2-3 against 2 holds two gold links, 2-2 and the 2-1 merge 3-4 against 3: the
    translator sets the merge first, and what is left of the row is then 2-2 already (set
    in reading order, 2-2 first, the leftovers 3 and 4 against 3 would need a second)."""
    gold = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3, 4), (3,)), ((5,), (4,)),
            ((6,), (5,)), ((7,), (6,)), ((), (7,))]
    rows = [((0,), (0,)), ((1,), (1,)), ((2, 3), (2,)), ((4,), (3,)), ((5,), (4,)),
            ((6,), (5,)), ((7,), (6,)), ((), (7,))]
    doc = stored(db, rows, [0.9, 0.9, 0.1, 0.5, 0.9, 0.9, 0.9, 0.9])
    position = {s["id"]: s["position"] for side in (store.SOURCE, store.TARGET)
                for s in store.sentences(db, doc, side)}
    set_by_hand = []

    def record(db, document_id, link_id):
        link = next(r for r in store.links(db, document_id) if r["id"] == link_id)
        set_by_hand.append((tuple(position[i] for i in link["source_ids"]),
                            tuple(position[j] for j in link["target_ids"])))

    run = review_document(db, doc, gold, record)
    assert set_by_hand == [((3, 4), (3,))] and run.hand_set == 1
    assert run.looks == len(gold)  # the wrong row, 2-2 confirmed, and the others
