"""The banded, coarse-to-fine search against an exhaustive one."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from workbench.align import AlignSettings
from workbench.search import search
from workbench.similarity import Band, Side, WindowVectors, is_unfinished


def synthetic_sides(count=300, seed=3):
    """Random sentence meanings; the target splits every 7th and drops every 23rd."""
    rng = np.random.default_rng(seed)
    meanings = rng.normal(size=(count, 64)).astype(np.float32)
    source, target, truth = [], [], []
    for index, meaning in enumerate(meanings):
        source.append(meaning)
        if index % 23 == 5:
            truth.append((index, 1, len(target), 0))
        elif index % 7 == 3:
            halves = meaning + rng.normal(size=(2, 64)).astype(np.float32)
            truth.append((index, 1, len(target), 2))
            target += list(halves)
        else:
            truth.append((index, 1, len(target), 1))
            target.append(meaning + 0.3 * rng.normal(size=64).astype(np.float32))

    def side(vectors):
        vectors = np.array(vectors)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return Side.build(vectors, ["x" * 60] * len(vectors))

    return side(source), side(target), truth


def test_coarse_to_fine_finds_the_same_path_as_the_whole_grid():
    source, target, truth = synthetic_sides()
    settings = AlignSettings().search_settings()
    whole, _, _ = search(source, target, settings,
                         band=Band.full(len(source) + 1, len(target) + 1))
    coarse_to_fine, scorer, _ = search(source, target, replace(settings, max_full_cells=1000))
    assert coarse_to_fine == whole
    assert scorer.band.size < (len(source) + 1) * (len(target) + 1) / 3
    assert sum(link in truth for link in whole) / len(truth) > 0.95


def test_rescoring_only_the_links_with_windows_matches_a_full_recomputation():
    source, target, _ = synthetic_sides(count=80)
    settings = AlignSettings().search_settings()
    path, scorer, scores = search(source, target, settings)
    rng = np.random.default_rng(0)
    embedded = {(start, 2): rng.normal(size=64).astype(np.float32) for start in range(0, 70, 3)}
    windows = (WindowVectors.build(len(source), scorer.max_size, embedded, 64),
               WindowVectors.none(len(target), scorer.max_size, 64))
    _, _, partial = search(source, target, settings, band=scorer.band, windows=windows,
                           previous_scores=scores)
    _, _, full = search(source, target, settings, band=scorer.band, windows=windows)
    np.testing.assert_allclose(partial, full)
    assert not np.allclose(partial, scores)


def link_score(scorer, scores, i0, a, j0, b):
    band, shapes = scorer.band, [tuple(shape) for shape in scorer.shapes.tolist()]
    i, j = i0 + a, j0 + b
    return scores[band.start[i] + j - band.lo[i], shapes.index((a, b))]


def test_a_merge_that_swallows_an_unrelated_sentence_is_held_back():
    rng = np.random.default_rng(5)
    meanings = rng.normal(size=(40, 64))
    targets = list(meanings + 0.3 * rng.normal(size=(40, 64)))
    # After target 10 comes a sentence that resembles source 10 less than random ones do.
    targets.insert(11, rng.normal(size=64) - 0.5 * meanings[10])
    sides = [Side.build(vectors / np.linalg.norm(vectors, axis=1, keepdims=True),
                        ["x" * 50] * len(vectors))
             for vectors in (meanings, np.array(targets))]
    lenient = AlignSettings(stray_sentence_penalty=0).search_settings()
    strict = AlignSettings(stray_sentence_penalty=1).search_settings()
    _, lenient_scorer, lenient_scores = search(*sides, lenient)
    _, strict_scorer, strict_scores = search(*sides, strict)
    swallowed = (10, 1, 10, 2)
    clean = (10, 1, 10, 1)
    assert (link_score(strict_scorer, strict_scores, *swallowed)
            < link_score(lenient_scorer, lenient_scores, *swallowed))
    assert (link_score(strict_scorer, strict_scores, *clean)
            == link_score(lenient_scorer, lenient_scores, *clean))



@pytest.mark.slow
def test_numbers_that_do_not_correspond_cannot_pull_the_band_off_the_path():
    # bench/scaling.py names its synthetic sentences s0, s1 ... and t0, t1 ...: every sentence
    # carries a number, and with the target's splits and additions the numbers drift apart
    # from the true pairs. The band must follow the meaning, not these look-alike numbers.
    import importlib.util

    from workbench.align import align
    from workbench.evaluate import count_links

    spec = importlib.util.spec_from_file_location(
        "scaling", Path(__file__).resolve().parents[1] / "bench" / "scaling.py")
    scaling = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scaling)
    source, target, embedder, truth = scaling.synthetic_document(2000)
    links = align(source, target, embedder, AlignSettings())
    scores = count_links([(link.source, link.target) for link in links], truth).scores()
    assert scores["strict"].f1 > 0.99


def test_unfinished_sentences_are_those_ending_with_a_colon_semicolon_or_comma():
    assert is_unfinished("Literatur :")
    assert is_unfinished("Elle dit ;")
    assert is_unfinished("Sie sagte: »")
    assert is_unfinished("He said, ' ")
    assert not is_unfinished("La fin.")
    assert not is_unfinished("Wirklich ?")
    assert not is_unfinished("")
    vectors = np.eye(5, dtype=np.float32)
    side = Side.build(vectors, ["a :", "b .", "c", "d ;", "e ,"])
    assert side.unfinished.tolist() == [True, False, False, True, True]
    # Halved for the coarse search, a pair of sentences ends as its second one does.
    assert side.halved().unfinished.tolist() == [False, True, True]
