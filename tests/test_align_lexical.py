"""Anchor words (numbers, names, cognates) and the bonus they give a link."""

from workbench.align import AlignSettings, align
from workbench.lexical import Anchors, anchor_words, band_shared, shared_count
from workbench.similarity import Band, anchor_coverage


def test_numbers_and_folded_word_prefixes_are_anchors():
    words = anchor_words("Die Expedition erreichte 8603 m am 09. Mai")
    assert {"#8603", "#9", "exped", "errei"} <= words
    assert "die" not in words and "mai" not in words  # short words carry no anchor
    assert anchor_words("l'expédition du Kangchenjunga") & words == {"exped"}
    assert "kangc" in anchor_words("Vom Kangchendzönga")


def test_anchors_common_to_a_whole_side_are_dropped():
    texts = [f"Himalaya expedition number {index}" for index in range(200)]
    anchors = Anchors.build(texts)
    assert anchors.counts().tolist() == [1.0] * 200  # only each sentence's own number is left
    few = Anchors.build(texts[:3])
    assert few.counts().tolist() == [4.0] * 3  # in a short text nothing is "common"


def test_shared_count_intersects_sorted_ids():
    source = Anchors.build(["Makalu 8470 m, Lhotse", "nichts"])
    target = Anchors.build(["Le Makalu (8470 m)", "rien"])
    assert shared_count(source.ids, source.start, 0, target.ids, target.start, 0) == 2
    assert shared_count(source.ids, source.start, 1, target.ids, target.start, 0) == 0
    band = Band.full(2, 2)
    shared = band_shared(source.ids, source.start, target.ids, target.start,
                         band.lo, band.hi, band.start)
    assert shared.tolist() == [2, 0, 0, 0]


def test_coverage_does_not_depend_on_how_sentences_are_grouped():
    source = Anchors.build(["Everest 8848", "Lhotse 8501"])
    target = Anchors.build(["Everest (8848 m)", "Lhotse (8501 m)"])
    band = Band.full(2, 2)
    shared = band_shared(source.ids, source.start, target.ids, target.start,
                         band.lo, band.hi, band.start)
    counts = (source.counts(), target.counts())

    def coverage(i0, a, j0, b):
        return anchor_coverage(shared, band.lo, band.hi, band.start, *counts, i0, a, j0, b)

    assert coverage(0, 2, 0, 2) == coverage(0, 1, 0, 1) + coverage(1, 1, 1, 1) == 2.0
    assert coverage(0, 1, 1, 1) == 0.0
    assert 0 < coverage(0, 2, 0, 1) < coverage(0, 2, 0, 2)


def test_shared_numbers_decide_between_otherwise_equal_pairs(fake_embedder):
    # The bag-of-words model sees "4478m" and "4478" as different words; the anchors don't.
    before = [f"the {word} chapter opens here" for word in ("first", "second", "third")]
    after = [f"the {word} chapter closes there" for word in ("fourth", "fifth", "sixth")]
    source = before + ["we got to 4478m now", "we got to 4634m now"] + after
    target = before + ["we got to 4634 now", "we got to 4478 now",
                       "we got to 4634 now"] + after

    def links(weight):
        settings = AlignSettings(max_link_size=1, anchor_weight=weight)
        result = align(source, target, fake_embedder, settings)
        return [(link.source, link.target) for link in result[3:6]]

    assert links(0.5) == [((), (3,)), ((3,), (4,)), ((4,), (5,))]
    assert links(0.0) != links(0.5)
