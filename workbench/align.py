"""Align two lists of sentences: the best monotone path of links, each with a confidence.

Pure computation: it asks an embedder for vectors and knows nothing of files,
SQLite or Flask. The scoring lives in `workbench.similarity`, the search in
`workbench.search`, the confidence model in `workbench.confidence`.

How it works, in short:

1. Every sentence is embedded once, and each side's common offset (mostly its
   language) is removed. A group of neighbouring sentences is first scored with
   the sum of its sentence vectors, which costs nothing.
2. A dynamic programme finds the best path of links (1-0, 0-1, 1-1 ... up to
   `max_link_size` sentences a side and `max_link_total` a link). Long texts are
   searched coarse to fine in a band, so time grows linearly.
3. Optionally (`embed_windows`), the real text of each multi-sentence group that
   the path uses or nearly uses is embedded, those links re-scored, and the
   path searched again.
4. Each link gets a calibrated confidence: the estimated chance that it is
   exactly right.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np

from workbench.confidence import boundary_margins, link_confidence
from workbench.embed import Embedder, EmbedderPair, window_vectors
from workbench.search import (
    SearchSettings,
    document_baselines,
    length_ratio,
    search,
    window_candidates,
)
from workbench.similarity import (
    ScoreWeights,
    Side,
    WindowVectors,
    language_offset,
    without_offset,
)

WINDOW_REACH = 1
"""Window embeddings are fetched for links ending this close to the first path ..."""
WINDOW_SLACK = 0.2
"""... whose best path scores at most this much below the best (see `window_candidates`).
A pair of models (`EmbedderPair`) has its second model embed only those ending on the path
itself: that keeps the pair's accuracy at a third of the cost."""


@dataclass(frozen=True)
class Link:
    """Source and target sentence indices (0-based, consecutive) and a confidence in [0, 1]."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    score: float = 0.0


@dataclass(frozen=True)
class Anchor:
    """A fixed link and where it stands on each side: the position of its first sentence,
    or, on a side where it has none (a 1-0 or 0-1 link), how many of that side's sentences
    come before it. Only the document's other links can tell that place."""

    link: Link
    source_start: int
    target_start: int

    @classmethod
    def of(cls, link: Link | Anchor) -> Anchor:
        """A link with sentences on both sides places itself; a 1-0 or 0-1 one cannot."""
        if isinstance(link, Anchor):
            return link
        if not link.source or not link.target:
            raise ValueError("1-0 and 0-1 anchors need their place on the empty side: "
                             "pass an Anchor (see aligning.document_anchors)")
        return cls(link, link.source[0], link.target[0])


def ordered_anchors(anchors: Sequence[Link | Anchor], source_count: int,
                    target_count: int) -> list[Anchor]:
    """The anchors in reading order on both sides; ValueError if they overlap or cross.

    Ordered by their place on both sides together, so a 0-1 or 1-0 anchor stands
    where the document had it rather than before (or beside) everything else.
    """
    placed = sorted((Anchor.of(a) for a in anchors),
                    key=lambda a: (a.source_start, a.target_start))
    i = j = 0
    for anchor in placed:
        source, target = anchor.link.source, anchor.link.target
        if anchor.source_start < i or anchor.target_start < j or \
                (source and source != tuple(range(source[0], source[0] + len(source)))) or \
                (target and target != tuple(range(target[0], target[0] + len(target)))) or \
                (source and source[0] != anchor.source_start) or \
                (target and target[0] != anchor.target_start):
            raise ValueError(f"anchors overlap or cross at {anchor.link}")
        i, j = anchor.source_start + len(source), anchor.target_start + len(target)
    if i > source_count or j > target_count:
        raise ValueError("anchors reach past the end of the sentences")
    return placed


@dataclass(frozen=True)
class AlignSettings:
    """Knobs a translator can reason about. Each one is explained in `workbench align --help`."""

    max_link_size: int = field(default=6, metadata={"help": (
        "Most sentences on one side of a link: 2 allows 1-2 and 2-1, 5 allows up to 1-5 and "
        "5-1.")})
    max_link_total: int = field(default=7, metadata={"help": (
        "Most sentences in one link, both sides together: 7 allows 2-5 and 3-4 but not 4-4.")})
    omission_strictness: float = field(default=5.0, metadata={"help": (
        "How readily a sentence is left without a counterpart, 0-100. Leaving a sentence alone "
        "scores like a random sentence pair of the same document at this percentile (5 = worse "
        "than 95% of random pairs): raise it (say to 20) for translations with many omissions "
        "or additions, lower it (to 1) for faithful ones.")})
    neighbour_correction: float = field(default=1.0, metadata={"help": (
        "How much a pair's resemblance to the surrounding sentences is subtracted from its "
        "similarity (0 = none, 1 = full). It stops short, generic sentences matching "
        "everything.")})
    length_weight: float = field(default=1.0, metadata={"help": (
        "How much a difference in length (after allowing for the language's usual ratio) counts "
        "against a pair (0 = lengths are ignored).")})
    paragraph_weight: float = field(default=0.1, metadata={"help": (
        "How strongly paragraph breaks are respected, when known: a penalty for a link that "
        "crosses a break or starts a paragraph on one side only (0 = ignore paragraphs).")})
    stray_sentence_penalty: float = field(default=1.0, metadata={"help": (
        "How strongly a merged link is held back when one of its sentences resembles the other "
        "side less than a typical unrelated pair does: such a sentence is more likely an "
        "addition or omission than part of the merge (0 = no check).")})
    embed_windows: bool = field(default=True, metadata={"help": (
        "Embed the actual text of groups of sentences near the best path and re-check them "
        "(more accurate merges; slower on a cold cache). Off: groups are scored from their "
        "sentences' vectors alone.")})
    anchor_weight: float = field(default=0.5, metadata={"help": (
        "Bonus for a link whose two sides share numbers, names and look-alike words (altitudes, "
        "dates, place names, cognates), in proportion to the share of such words they have in "
        "common (0 = ignore them).")})
    unfinished_sentence_penalty: float = field(default=0.05, metadata={"help": (
        "How strongly a link is kept from ending, on one side only, with a sentence that ends "
        "with a colon, semicolon or comma (\"Literature:\", \"He said:\"): such a sentence goes on "
        "in the next one, so the link most likely ends too early there (0 = no check).")})
    search_radius: int = field(default=10, metadata={"help": (
        "On long texts, how many sentences either side of the rough first path are searched.")})
    remove_language_offset: bool = field(default=True, metadata={"help": (
        "Subtract from each side's sentence vectors what they all have in common before "
        "comparing them: the model sets every sentence of one language a little apart from the "
        "other language, and removing that offset leaves the meaning to compare. Off: the "
        "model's vectors as they are.")})

    def link_shapes(self) -> tuple[tuple[int, int], ...]:
        shapes = [(1, 0), (0, 1)]
        for a in range(1, self.max_link_size + 1):
            for b in range(1, self.max_link_size + 1):
                if a + b <= max(self.max_link_total, 2):
                    shapes.append((a, b))
        return tuple(shapes)

    def search_settings(self) -> SearchSettings:
        return SearchSettings(
            shapes=self.link_shapes(),
            weights=ScoreWeights(
                margin_weight=self.neighbour_correction,
                length_weight=self.length_weight,
                paragraph_weight=self.paragraph_weight,
                member_weight=self.stray_sentence_penalty,
                lexical_weight=self.anchor_weight,
                unfinished_weight=self.unfinished_sentence_penalty,
            ),
            skip_percentile=self.omission_strictness,
            band_radius=self.search_radius,
        )

    @classmethod
    def field_help(cls) -> dict[str, str]:
        """Each setting's explanation (its field's `help` metadata), for --help and the docs."""
        return {f.name: f.metadata["help"] for f in fields(cls)}


@dataclass(frozen=True)
class Evidence:
    """What a link's confidence was computed from (all 0 for 1-0, 0-1 and anchors)."""

    cosine: float = 0.0
    """Cosine similarity of the two sides' embeddings."""
    neighbour: float = 0.0
    """Mean cosine of each side with the sentences next to the other side."""
    lengths: float = 0.0
    """log2(1 + short/long) of the two lengths, corrected for the usual length ratio."""
    beside_omission: bool = False
    """The link before or after it leaves a sentence alone (errors cluster there)."""
    boundary: float = math.inf
    """How much more alike its sides are than after the best one-sentence shift of one of
    its boundaries (`confidence.boundary_margins`; below 0: a shift would do better)."""


def align(
    source: Sequence[str],
    target: Sequence[str],
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    source_paragraphs: Sequence[int] | None = None,
    target_paragraphs: Sequence[int] | None = None,
    anchors: Sequence[Link | Anchor] = (),
) -> list[Link]:
    """Links covering every sentence of both sides once, in order.

    `anchors` (confirmed links) are kept exactly as they are; the stretches
    between them are aligned independently, each judged with the whole document's
    statistics (`document_statistics`), not those of its own few sentences. A 1-0 or 0-1
    anchor must be an `Anchor` that says where it stands on its empty side. Paragraph numbers,
    when given, act as soft anchors.
    """
    return [link for link, _ in align_with_evidence(
        source, target, embedder, settings, source_paragraphs=source_paragraphs,
        target_paragraphs=target_paragraphs, anchors=anchors,
    )]


def align_with_evidence(
    source: Sequence[str],
    target: Sequence[str],
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    source_paragraphs: Sequence[int] | None = None,
    target_paragraphs: Sequence[int] | None = None,
    anchors: Sequence[Link | Anchor] = (),
) -> list[tuple[Link, Evidence]]:
    """Like `align`, with the evidence behind each link's confidence."""
    settings = settings or AlignSettings()
    placed = ordered_anchors(anchors, len(source), len(target))
    if not source and not target:
        return []
    vectors = document_vectors(source, target, embedder, settings)
    search_settings = _whole_document_search(  # stretches between anchors judged as the whole
        source, target, vectors, settings, source_paragraphs, target_paragraphs,
        None) if placed else None
    links: list[tuple[Link, Evidence]] = []
    for i0, i1, j0, j1, anchor in _spans(placed, len(source), len(target)):
        links += _align_span(
            source, target, vectors.source, vectors.target, source_paragraphs,
            target_paragraphs, (i0, i1), (j0, j1), embedder, settings, vectors.offsets,
            search_settings,
        )
        if anchor is not None:
            links.append((anchor, Evidence()))
    return links


@dataclass(frozen=True)
class DocumentVectors:
    """Each side's sentence vectors with the side's common offset (`offsets`) removed."""

    source: np.ndarray
    target: np.ndarray
    offsets: tuple[np.ndarray, np.ndarray]


def document_vectors(source: Sequence[str], target: Sequence[str], embedder: Embedder,
                     settings: AlignSettings | None = None) -> DocumentVectors:
    """The vectors `align` compares, the offsets taken over the whole document: a stretch
    aligned alone (`align_spans_holding`) with them is aligned as in the whole document."""
    settings = settings or AlignSettings()
    if source and target:
        source_vectors = _encode(embedder, source)
        target_vectors = _encode(embedder, target)
    else:  # nothing to compare: every sentence stands alone, no model needed
        source_vectors = target_vectors = np.zeros((0, 1), dtype=np.float32)
    offsets = (np.zeros(source_vectors.shape[1], np.float32),) * 2
    if settings.remove_language_offset:
        offsets = (language_offset(source_vectors), language_offset(target_vectors))
        source_vectors = without_offset(source_vectors, offsets[0])
        target_vectors = without_offset(target_vectors, offsets[1])
    return DocumentVectors(source_vectors, target_vectors, offsets)


def document_statistics(source: Sequence[str], target: Sequence[str], vectors: DocumentVectors,
                        settings: AlignSettings | None = None, *,
                        source_paragraphs: Sequence[int] | None = None,
                        target_paragraphs: Sequence[int] | None = None,
                        ) -> tuple[tuple[float, float], float]:
    """What a random sentence pair of the whole document scores (`document_baselines`) and
    its length ratio: a short stretch aligned alone with them (`align_spans_holding`'s
    `statistics`) is judged as in the whole document, not by its own few sentences."""
    settings = settings or AlignSettings()
    search_settings = settings.search_settings()
    source_side = Side.build(vectors.source, source, source_paragraphs)
    target_side = Side.build(vectors.target, target, target_paragraphs)
    baselines = document_baselines(source_side, target_side, search_settings.weights,
                                   search_settings.skip_percentile,
                                   search_settings.stray_floor_percentile)
    return baselines, length_ratio(float(source_side.lengths.sum()),
                                   float(target_side.lengths.sum()))


def _whole_document_search(source, target, vectors, settings, source_paragraphs,
                           target_paragraphs, statistics) -> SearchSettings | None:
    """Search settings that judge any stretch with the whole document's statistics."""
    if not source or not target:
        return None
    if statistics is None:
        statistics = document_statistics(source, target, vectors, settings,
                                         source_paragraphs=source_paragraphs,
                                         target_paragraphs=target_paragraphs)
    return replace(settings.search_settings(), baselines=statistics[0],
                   length_ratio=statistics[1])


def _spans(placed: Sequence[Anchor], source_count: int, target_count: int):
    """The stretches between ordered anchors: (i0, i1, j0, j1, the anchor ending it or None)."""
    i = j = 0
    spans = []
    for anchor in placed:
        spans.append((i, anchor.source_start, j, anchor.target_start, anchor.link))
        i = anchor.source_start + len(anchor.link.source)
        j = anchor.target_start + len(anchor.link.target)
    spans.append((i, source_count, j, target_count, None))
    return spans


def align_spans_holding(
    source: Sequence[str],
    target: Sequence[str],
    embedder: Embedder,
    settings: AlignSettings | None = None,
    *,
    positions: tuple[Collection[int], Collection[int]],
    vectors: DocumentVectors | None = None,
    statistics: tuple[tuple[float, float], float] | None = None,
    source_paragraphs: Sequence[int] | None = None,
    target_paragraphs: Sequence[int] | None = None,
    anchors: Sequence[Link | Anchor] = (),
) -> list[Link]:
    """The links `align` gives, in the same order, but leaving out the stretches between
    anchors that hold none of the source and target sentence `positions` (the anchors all
    stay): re-aligning after a correction costs the stretches it touches, not the document.
    `vectors` (from `document_vectors`, e.g. kept in memory between corrections) saves
    fetching them, and `statistics` (from `document_statistics`) measuring them again."""
    settings = settings or AlignSettings()
    placed = ordered_anchors(anchors, len(source), len(target))
    if vectors is None:
        vectors = document_vectors(source, target, embedder, settings)
    search_settings = _whole_document_search(source, target, vectors, settings,
                                             source_paragraphs, target_paragraphs, statistics)
    wanted_source, wanted_target = set(positions[0]), set(positions[1])
    links: list[Link] = []
    for i0, i1, j0, j1, anchor in _spans(placed, len(source), len(target)):
        if not (wanted_source.isdisjoint(range(i0, i1))
                and wanted_target.isdisjoint(range(j0, j1))):
            links += [link for link, _ in _align_span(
                source, target, vectors.source, vectors.target, source_paragraphs,
                target_paragraphs, (i0, i1), (j0, j1), embedder, settings, vectors.offsets,
                search_settings,
            )]
        if anchor is not None:
            links.append(anchor)
    return links


def _encode(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.asarray(embedder.encode(list(texts)), dtype=np.float32)


def _align_span(source, target, source_vectors, target_vectors, source_paragraphs,
                target_paragraphs, rows, columns, embedder, settings, offsets,
                search_settings: SearchSettings | None = None,
                ) -> list[tuple[Link, Evidence]]:
    (i0, i1), (j0, j1) = rows, columns
    n, m = i1 - i0, j1 - j0
    if n == 0 or m == 0:
        alone = [Link((i0 + i,), ()) for i in range(n)] + [Link((), (j0 + j,)) for j in range(m)]
        return [(Link(link.source, link.target, link_confidence(len(link.source),
                                                                  len(link.target))), Evidence())
                for link in alone]
    source_side = Side.build(
        source_vectors[i0:i1], source[i0:i1],
        None if source_paragraphs is None else source_paragraphs[i0:i1])
    target_side = Side.build(
        target_vectors[j0:j1], target[j0:j1],
        None if target_paragraphs is None else target_paragraphs[j0:j1])
    search_settings = search_settings or settings.search_settings()
    path, scorer, scores = search(source_side, target_side, search_settings)
    if settings.embed_windows and any(a > 1 or b > 1 for _, a, _, b in path):
        keys = window_candidates(path, scorer, scores, WINDOW_REACH, WINDOW_SLACK)
        exact = (window_candidates(path, scorer, scores, 0, WINDOW_SLACK)
                 if isinstance(embedder, EmbedderPair) else keys)
        windows = (
            _embed_windows(source[i0:i1], keys[0], exact[0], embedder, scorer.max_size,
                           offsets[0]),
            _embed_windows(target[j0:j1], keys[1], exact[1], embedder, scorer.max_size,
                           offsets[1]),
        )
        path, scorer, scores = search(source_side, target_side, search_settings,
                                      band=scorer.band, windows=windows,
                                      previous_scores=scores)
    out = []
    alone = [a == 0 or b == 0 for _, a, _, b in path]
    boundaries = _boundary_margins(source_vectors, target_vectors, rows, columns, path)
    for index, (s, a, t, b) in enumerate(path):
        beside = (index > 0 and alone[index - 1]) or (index + 1 < len(path) and alone[index + 1])
        evidence = (Evidence(*scorer.parts(s, a, t, b), beside, boundaries[index]) if a and b
                    else Evidence())
        confidence = link_confidence(a, b, evidence.cosine, evidence.neighbour, evidence.lengths,
                                     evidence.beside_omission, evidence.boundary)
        out.append((Link(tuple(range(i0 + s, i0 + s + a)), tuple(range(j0 + t, j0 + t + b)),
                         confidence), evidence))
    return out


def _boundary_margins(source_vectors, target_vectors, rows, columns, path) -> list[float]:
    """`confidence.boundary_margins` of the path's links with sentences on both sides (inf for
    the others), over the document's vectors: the stretch and one sentence either side, which
    is all a shift reaches (the scorer of reshaped rows gets the same from the same vectors)."""
    (i0, i1), (j0, j1) = rows, columns
    first_source, first_target = max(i0 - 1, 0), max(j0 - 1, 0)
    both = [(i0 + s - first_source, a, j0 + t - first_target, b)
            for s, a, t, b in path if a and b]
    margins = iter(boundary_margins(source_vectors[first_source : i1 + 1],
                                    target_vectors[first_target : j1 + 1], both))
    return [next(margins) if a and b else math.inf for _, a, _, b in path]


def _embed_windows(texts: Sequence[str], keys: set[tuple[int, int]],
                   exact: set[tuple[int, int]], embedder: Embedder, max_size: int,
                   offset: np.ndarray) -> WindowVectors:
    keys = sorted(keys)
    if isinstance(embedder, EmbedderPair):
        vectors = embedder.encode_windows(texts, keys, exact)
    else:
        vectors = np.asarray(window_vectors(embedder, texts, keys), dtype=np.float32)
    if len(keys):
        vectors = without_offset(vectors, offset)
    dimension = vectors.shape[1] if len(keys) else 1
    return WindowVectors.build(len(texts), max_size, dict(zip(keys, vectors, strict=True)),
                               dimension)
