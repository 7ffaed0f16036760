"""The confidence's boundary margin: a link one sentence off is doubtful, whatever its cosine.

Small synthetic cases where the answer is known by hand (orthogonal sentence vectors: the
source sentence k means what target sentence k means), and the aligner and the scorer of
reshaped rows computing the same margin from the same vectors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.align import AlignSettings, Link, align_with_evidence, document_vectors
from workbench.confidence import boundary_margins, link_confidence
from workbench.reshaped import DocumentSide, Row, boundary_margin, row_confidence


def unit(*components: float, dimension: int = 6) -> np.ndarray:
    vector = np.zeros(dimension)
    vector[: len(components)] = components
    return vector / np.linalg.norm(vector)


SENTENCES = np.eye(4)
"""Four sentences a side, sentence k on each side meaning the same thing."""


def test_a_link_at_its_right_boundaries_has_a_positive_margin():
    (margin,) = boundary_margins(SENTENCES, SENTENCES, [(1, 1, 1, 1)])
    # the best shift takes in a neighbour on one side: cos = 1/sqrt(2)
    assert margin == pytest.approx(1 - 1 / math.sqrt(2))


def test_a_link_one_sentence_off_has_a_negative_margin():
    # source 1-2 against target 1 alone: giving up source 2 matches perfectly
    (margin,) = boundary_margins(SENTENCES, SENTENCES, [(1, 2, 1, 1)])
    assert margin == pytest.approx(1 / math.sqrt(2) - 1)


def test_a_shift_past_the_given_sentences_is_not_tried():
    # one sentence a side: no shift exists
    assert boundary_margins(SENTENCES[:1], SENTENCES[:1], [(0, 1, 0, 1)]) == [math.inf]
    # at the start, only the shifts forward count: taking in sentence 1 on either side
    (margin,) = boundary_margins(SENTENCES[:2], SENTENCES[:2], [(0, 1, 0, 1)])
    assert margin == pytest.approx(1 - 1 / math.sqrt(2))


def test_margins_of_many_links_are_those_of_each_alone():
    rng = np.random.default_rng(7)
    source = rng.normal(size=(9, 5))
    target = rng.normal(size=(8, 5))
    links = [(0, 1, 0, 2), (1, 2, 2, 1), (3, 1, 3, 1), (4, 3, 4, 2), (7, 2, 6, 2)]
    together = boundary_margins(source, target, links)
    alone = [boundary_margins(source, target, [link])[0] for link in links]
    assert together == pytest.approx(alone)


def test_only_a_better_shift_lowers_the_confidence():
    base = link_confidence(1, 1, 0.6, 0.1, 0.9)
    assert link_confidence(1, 1, 0.6, 0.1, 0.9, boundary=0.2) == base
    assert link_confidence(1, 1, 0.6, 0.1, 0.9, boundary=math.inf) == base
    assert link_confidence(1, 1, 0.6, 0.1, 0.9, boundary=-0.1) < base
    assert link_confidence(1, 1, 0.6, 0.1, 0.9, boundary=-0.2) < \
        link_confidence(1, 1, 0.6, 0.1, 0.9, boundary=-0.1)
    assert link_confidence(1, 0, boundary=-1.0) == link_confidence(1, 0)  # 1-0: no margin


FRENCH = ["le roi est mort", "vive le roi", "la foule applaudit et chante dans la rue",
          "il pleut sur la ville", "le vent souffle fort", "la nuit tombe vite"]
ENGLISH = ["le roi est mort", "vive le roi", "la foule applaudit", "et chante dans la rue",
           "il pleut sur la ville", "le vent souffle fort", "la nuit tombe vite"]


def check_same_margins(embedder, french, english, anchors=()) -> None:
    pairs = align_with_evidence(french, english, embedder, anchors=anchors)
    raw = (embedder.encode(french), embedder.encode(english))
    source, target = DocumentSide.build(french, raw[0]), DocumentSide.build(english, raw[1])
    rows = [Row(link.source, link.target) for link, _ in pairs]
    vectors = document_vectors(french, english, embedder, AlignSettings())
    for index, (link, evidence) in enumerate(pairs):
        if link in anchors or not (link.source and link.target):
            continue
        assert evidence.boundary == pytest.approx(boundary_margin(source, target, rows[index]),
                                                  abs=1e-9)
        assert evidence.boundary == pytest.approx(boundary_margins(
            vectors.source, vectors.target,
            [(link.source[0], len(link.source), link.target[0], len(link.target))])[0],
            abs=1e-9)
        if not anchors:  # (an anchored stretch's flanking cosines stop at the anchor)
            assert link.score == pytest.approx(
                row_confidence(source, target, rows, index, embedder.encode), abs=1e-4)


def test_the_aligner_and_the_reshaped_scorer_give_the_same_margin(fake_embedder):
    pairs = align_with_evidence(FRENCH, ENGLISH, fake_embedder)
    assert any(len(link.target) > 1 for link, _ in pairs)
    check_same_margins(fake_embedder, FRENCH, ENGLISH)


def test_a_shift_into_an_anchor_counts_as_in_the_whole_document(fake_embedder):
    """The stretch after the anchor starts at sentence 2; its first link would match better
    with source sentence 1, which the anchor holds: the margin says so (negative), as the
    scorer of reshaped rows computes it over the whole document."""
    french = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"]
    english = ["alpha beta", "kappa lambda", "gamma delta epsilon zeta", "eta theta"]
    anchor = Link((1,), (1,))
    pairs = align_with_evidence(french, english, fake_embedder, anchors=[anchor])
    after = next(evidence for link, evidence in pairs if link.source == (2,))
    assert after.boundary < 0
    check_same_margins(fake_embedder, french, english, anchors=(anchor,))
