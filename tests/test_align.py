import pytest

from tests.conftest import BagOfWordsEmbedder
from workbench.align import AlignSettings, Link, align, align_with_evidence
from workbench.embed import EmbedderPair


def covers_everything(links, n, m):
    source = [i for link in links for i in link.source]
    target = [j for link in links for j in link.target]
    return source == list(range(n)) and target == list(range(m))


def test_identical_sides_align_one_to_one(fake_embedder):
    texts = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"]
    links = align(texts, texts, fake_embedder)
    assert [(link.source, link.target) for link in links] == [((i,), (i,)) for i in range(4)]
    assert all(0.0 <= link.score <= 1.0 for link in links)
    assert all(link.score > 0.9 for link in links)


def test_one_sentence_split_in_two_gives_a_one_to_two_link(fake_embedder):
    source = ["alpha beta", "gamma delta epsilon zeta", "eta theta"]
    target = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"]
    links = align(source, target, fake_embedder)
    assert Link((1,), (1, 2)) in [Link(link.source, link.target) for link in links]
    assert covers_everything(links, 3, 4)


def test_an_added_sentence_stays_alone(fake_embedder):
    source = ["alpha beta", "gamma delta"]
    target = ["alpha beta", "translator note unrelated words", "gamma delta"]
    links = align(source, target, fake_embedder)
    assert [(link.source, link.target) for link in links] == [
        ((0,), (0,)), ((), (1,)), ((1,), (2,))
    ]


def test_anchors_are_kept_exactly(fake_embedder):
    texts = ["alpha beta", "gamma delta", "epsilon zeta"]
    anchor = Link((1,), (2,), 1.0)
    links = align(texts, texts, fake_embedder, anchors=[anchor])
    assert anchor in links
    assert covers_everything(links, 3, 3)


def test_empty_sides():
    assert align([], [], None) == []


def test_link_size_limit_is_respected(fake_embedder):
    source = ["a b c d e f"]
    target = ["a b", "c d", "e f"]
    links = align(source, target, fake_embedder, AlignSettings(max_link_size=2))
    assert max(len(link.target) for link in links) <= 2


def pairs(links):
    return [(link.source, link.target) for link in links]


def test_a_sentence_split_in_four_gives_a_one_to_four_link(fake_embedder):
    source = ["alpha beta", "gamma delta epsilon zeta eta theta iota kappa", "lambda mu"]
    target = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta", "iota kappa",
              "lambda mu"]
    links = align(source, target, fake_embedder)
    assert ((1,), (1, 2, 3, 4)) in pairs(links)
    reversed_links = align(target, source, fake_embedder)
    assert ((1, 2, 3, 4), (1,)) in pairs(reversed_links)


def test_two_to_three_and_three_to_two_links_are_found(fake_embedder):
    # The words of two source sentences are interleaved across three target sentences.
    source = ["alpha beta", "gamma delta epsilon", "zeta eta theta", "iota kappa"]
    target = ["alpha beta", "gamma zeta", "delta eta", "epsilon theta", "iota kappa"]
    assert ((1, 2), (1, 2, 3)) in pairs(align(source, target, fake_embedder))
    assert ((1, 2, 3), (1, 2)) in pairs(align(target, source, fake_embedder))


def test_link_shapes_follow_the_settings():
    shapes = AlignSettings(max_link_size=4, max_link_total=5).link_shapes()
    for shape in [(1, 0), (0, 1), (1, 1), (1, 4), (4, 1), (2, 2), (2, 3), (3, 2)]:
        assert shape in shapes
    assert (3, 3) not in shapes and (1, 5) not in shapes
    assert set(AlignSettings(max_link_size=2, max_link_total=3).link_shapes()) == {
        (1, 0), (0, 1), (1, 1), (1, 2), (2, 1)}


def test_total_link_size_limit_is_respected(fake_embedder):
    source = ["a b c d e f", "g h"]
    target = ["a b", "c d", "e f", "g h"]
    links = align(source, target, fake_embedder, AlignSettings(max_link_total=3))
    assert all(len(link.source) + len(link.target) <= 3 for link in links)
    assert covers_everything(links, 2, 4)


def test_paragraph_breaks_act_as_soft_anchors(fake_embedder):
    source = ["alpha beta gamma delta", "epsilon zeta"]
    target = ["alpha beta", "gamma delta", "epsilon zeta"]
    assert pairs(align(source, target, fake_embedder))[0] == ((0,), (0, 1))
    respectful = align(source, target, fake_embedder, AlignSettings(paragraph_weight=2.0),
                       source_paragraphs=[0, 1], target_paragraphs=[0, 1, 2])
    assert ((0,), (0, 1)) not in pairs(respectful)
    assert covers_everything(respectful, 2, 3)


def test_several_anchors_are_kept_and_the_gaps_aligned(fake_embedder):
    texts = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta", "iota kappa"]
    anchors = [Link((3,), (3,), 1.0), Link((1,), (1,), 1.0)]
    links = align(texts, texts, fake_embedder, anchors=anchors)
    assert covers_everything(links, 5, 5)
    assert all(anchor in links for anchor in anchors)
    assert pairs(links) == [((i,), (i,)) for i in range(5)]


def test_an_anchor_overrides_what_the_texts_suggest(fake_embedder):
    texts = ["alpha beta", "gamma delta", "epsilon zeta"]
    anchor = Link((0,), (1,), 1.0)
    links = align(texts, texts, fake_embedder, anchors=[anchor])
    assert pairs(links)[:2] == [((), (0,)), ((0,), (1,))]
    assert covers_everything(links, 3, 3)


def test_confidences_are_probabilities_and_lower_for_doubtful_links(fake_embedder):
    source = ["alpha beta", "gamma delta", "completely different words here"]
    target = ["alpha beta", "gamma delta", "nothing shared at all now"]
    links = align(source, target, fake_embedder)
    assert all(0.0 <= link.score <= 1.0 for link in links)
    assert links[0].score > max(link.score for link in links[2:])


def test_a_link_does_not_end_on_an_unfinished_sentence_of_one_side(fake_embedder):
    # The source breaks at a colon one word before the target's full stop: the two
    # sentence boundaries do not correspond, so the gold link is one 2-2.
    source = ["alpha beta", "gamma delta epsilon zeta eta :", "theta lambda .", "iota kappa"]
    target = ["alpha beta", "gamma delta epsilon zeta eta theta .", "lambda .", "iota kappa"]
    split = align(source, target, fake_embedder, AlignSettings(unfinished_sentence_penalty=0))
    assert ((1,), (1,)) in pairs(split)
    merged = align(source, target, fake_embedder)
    assert pairs(merged) == [((0,), (0,)), ((1, 2), (1, 2)), ((3,), (3,))]


def test_sentences_unfinished_on_both_sides_stay_one_to_one(fake_embedder):
    texts = ["alpha beta :", "gamma delta ;", "epsilon zeta ,", "eta theta ."]
    links = align(texts, texts, fake_embedder, AlignSettings(unfinished_sentence_penalty=1.0))
    assert pairs(links) == [((i,), (i,)) for i in range(4)]


def test_every_setting_is_explained():
    helps = AlignSettings.field_help()
    assert set(helps) == {
        "max_link_size", "max_link_total", "omission_strictness", "neighbour_correction",
        "length_weight", "paragraph_weight", "stray_sentence_penalty", "anchor_weight",
        "embed_windows", "unfinished_sentence_penalty", "remove_language_offset",
        "search_radius"}
    assert all(len(text) > 30 for text in helps.values())


def test_only_one_side_given():
    links = align(["un", "deux"], [], None)
    assert pairs(links) == [((0,), ()), ((1,), ())]
    assert all(0.0 <= link.score <= 1.0 for link in links)


def test_a_side_loses_the_offset_its_sentences_share_in_proportion_to_their_number():
    import numpy as np

    from workbench.similarity import LANGUAGE_OFFSET_PRIOR, language_offset, without_offset

    rng = np.random.default_rng(0)
    signature = np.zeros(64, dtype=np.float32)
    signature[0] = 3.0
    many = rng.normal(size=(1000, 64)).astype(np.float32) + signature
    offset = language_offset(many)
    assert offset[0] == pytest.approx(3.0 * 1000 / (1000 + LANGUAGE_OFFSET_PRIOR), abs=0.1)
    cleaned = without_offset(many, offset)
    assert np.allclose(np.linalg.norm(cleaned, axis=1), 1.0, atol=1e-5)
    assert abs(cleaned[:, 0].mean()) < 0.05 < abs(many[:, 0].mean() / 3)
    # One sentence alone: its "average" is its own meaning, so it is barely touched.
    alone = many[:1] / np.linalg.norm(many[:1])
    assert float(without_offset(alone, language_offset(alone))[0] @ alone[0]) > 0.999


def test_a_language_signature_does_not_hide_how_alike_translations_are(fake_embedder):
    # Every sentence of each side carries its language's words ("le" / "the") many times, as
    # real models give every sentence of a language a common direction: it drowns the shared
    # content unless that common part is removed.
    words = [f"w{chr(97 + k // 26)}{chr(97 + k % 26)}" for k in range(200)]
    source = [" ".join(["le"] * 6 + [words[k], words[k + 100]]) for k in range(100)]
    target = [" ".join(["the"] * 6 + [words[k], words[k + 100]]) for k in range(100)]

    def weakest_cosine(remove: bool) -> float:
        result = align_with_evidence(source, target, fake_embedder,
                                     AlignSettings(remove_language_offset=remove))
        assert [(link.source, link.target) for link, _ in result] == [
            ((k,), (k,)) for k in range(100)]
        return min(evidence.cosine for _, evidence in result)

    assert weakest_cosine(True) > 3 * weakest_cosine(False)


def test_debris_without_a_letter_or_digit_stands_alone_instead_of_joining_a_link(fake_embedder):
    class DebrisLooksLikeItsNeighbour:
        """Real models give OCR debris a vector that resembles many sentences."""

        def encode(self, texts):
            return fake_embedder.encode(
                [text.replace(". . . . -", "alpha beta gamma") for text in texts])

    source = ["alpha beta gamma", "delta epsilon zeta"]
    target = ["alpha beta gamma", ". . . . -", "delta epsilon zeta"]
    links = align(source, target, DebrisLooksLikeItsNeighbour())
    assert pairs(links) == [((0,), (0,)), ((), (1,)), ((1,), (2,))]


def test_separators_on_both_sides_face_each_other(fake_embedder):
    texts = ["alpha beta gamma", "* * *", "delta epsilon zeta"]
    links = align(texts, list(texts), fake_embedder)
    assert pairs(links) == [((0,), (0,)), ((1,), (1,)), ((2,), (2,))]


def test_wordless_means_no_letter_and_no_digit():
    from workbench.similarity import is_wordless

    assert is_wordless("..... ") and is_wordless("- _-") and is_wordless("* * *")
    assert not is_wordless("24 a !") and not is_wordless("1956 ) .") and not is_wordless("Ah !")


def test_a_pair_of_agreeing_models_aligns_like_one(fake_embedder):
    source = ["alpha beta", "gamma delta epsilon zeta", "eta theta", "iota kappa lambda"]
    target = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta", "iota kappa lambda"]
    alone = align(source, target, fake_embedder)
    paired = align(source, target, EmbedderPair(fake_embedder, BagOfWordsEmbedder()))
    assert [(link.source, link.target) for link in paired] == [
        (link.source, link.target) for link in alone]
    assert [link.score for link in paired] == pytest.approx([link.score for link in alone])


def test_the_second_model_of_a_pair_embeds_fewer_groups_than_the_first(fake_embedder):
    class Counting(BagOfWordsEmbedder):
        def encode(self, texts):
            self.texts = getattr(self, "texts", []) + list(texts)
            return super().encode(texts)

    words = [f"word{k}" for k in range(40)]
    source = [" ".join(words[k : k + 4]) + "." for k in range(0, 40, 4)]
    target = [" ".join(words[k : k + 2]) for k in range(0, 40, 2)]
    first, second = Counting(), Counting()
    links = align(source, target, EmbedderPair(first, second))
    assert covers_everything(links, len(source), len(target))
    sentences = set(source) | set(target)
    first_groups = [text for text in first.texts if text not in sentences]
    second_groups = [text for text in second.texts if text not in sentences]
    assert 0 < len(second_groups) < len(first_groups)
    assert set(second_groups) <= set(first_groups)
