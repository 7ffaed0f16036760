from workbench.align import AlignSettings, Link, align


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
