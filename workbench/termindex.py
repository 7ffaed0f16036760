"""Terminology lookup over the stored pairs: hits, their translations, the variants.

The index itself (an FTS5 table of sentence keys kept current by triggers, and the
queries on it) belongs to the store (`workbench.store.terms`); `sync` stems what its
triggers queued, and runs before each lookup.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlite_utils

from workbench import terms as T
from workbench.status import Status
from workbench.store import terms as index
from workbench.store.terms import column_for, document_frequency, document_languages, sync
from workbench.store.terms import pending as pending  # what `workbench terms index` reports

CONFIRMED_STATUSES = (Status.CONFIRMED, Status.EDITED)
# Past this many pairs, translations are worked out (and variants counted) on a
# sample spread evenly over the corpus (a fixed hash of the link id), not on all.
MAX_ANALYSED_HITS = 500
WORD_SAMPLE = 400  # hits per query word sampled for word-level co-occurrence
PHRASE_HITS_ENOUGH = 50  # with this many hits, the phrase's own statistics suffice
MAX_FREQUENCY_LOOKUPS = 60  # counterpart words whose corpus frequency is read per lookup
EMBEDDED_CANDIDATES = 12  # candidate spans per displayed hit that the embedder compares


# --- lookup -------------------------------------------------------------------------


@dataclass
class Filters:
    confirmed_only: bool = False
    document: str | None = None
    without_statuses: tuple[str, ...] = ()
    """Pairs of these statuses are left out (the consistency report: excluded ones)."""


@dataclass
class Hit:
    """One pair holding the term: both sides, the term's place and its translation's."""

    link_id: int
    document: str
    position: int
    status: str
    side: str
    text: str
    lang: str
    counterpart: str
    counterpart_lang: str
    term_spans: list[tuple[int, int]]
    tokens: list[T.Token] = field(repr=False)
    counterpart_tokens: list[T.Token] = field(repr=False)
    candidates: list[T.Span] = field(default_factory=list, repr=False)
    translation: T.Span | None = None

    @property
    def translation_spans(self) -> list[tuple[int, int]]:
        """Where to highlight the translation: once per occurrence of the term.

        When the term occurs several times, other candidates rendered the same
        way (same key) and not overlapping the first are highlighted too.
        """
        if self.translation is None:
            return []
        chosen = [self.translation]
        for span in self.candidates:
            if len(chosen) >= len(self.term_spans):
                break
            if span.key == self.translation.key and all(
                span.end <= other.start or span.start >= other.end for other in chosen
            ):
                chosen.append(span)
        return sorted((span.char_start, span.char_end) for span in chosen)


@dataclass
class LookupResult:
    query: T.Query
    counterpart_lang: str | None
    total: int
    analysed: int
    matching: int  # analysed hits that pass the variant filter; `hits` is the first page
    hits: list[Hit]
    variants: list[T.Variant]
    variant: str | None
    filters: Filters
    search_ms: float  # search, translations (with the embedder's choice) and variants
    server_ms: float  # all of it


def count_matches(db: sqlite_utils.Database, query: T.Query) -> int:
    return index.count_matches(db, query.fts_expression(column_for(query.lang)))


def detect_language(db: sqlite_utils.Database, text: str) -> str:
    """The language whose side of the index holds the query most often.

    A French term is far more frequent in French sentences than in English
    ones, even when the two words look alike; ties go to the source language.
    """
    languages = document_languages(db)
    counts = [(count_matches(db, T.parse_query(text, lang)), -i, lang)
              for i, lang in enumerate(languages)]
    return max(counts)[2]


def _matched_links(db, query: T.Query, filters: Filters) -> tuple[int, list[tuple]]:
    """How many pairs hold the query, and the sentences of (a sample of) MAX_ANALYSED_HITS."""
    return index.matched_links(
        db, query.fts_expression(column_for(query.lang)), sample=MAX_ANALYSED_HITS,
        without_statuses=filters.without_statuses,
        only_statuses=CONFIRMED_STATUSES if filters.confirmed_only else (),
        document=filters.document,
    )


def _assemble(rows: list[tuple], query: T.Query) -> list[Hit]:
    """Group sentence rows into hits: joined text and keys for each side of a pair."""
    grouped: dict[int, dict] = {}
    for (link_id, name, position, status, hit_side, side, source_lang, target_lang, text,
         keys) in rows:
        entry = grouped.setdefault(
            link_id,
            {"name": name, "position": position, "status": status, "side": hit_side,
             "langs": {"source": source_lang, "target": target_lang},
             "source": ([], []), "target": ([], [])},
        )
        entry[side][0].append(text)
        entry[side][1].extend((keys or "").split())
    hits = []
    for link_id, entry in grouped.items():
        side = entry["side"]
        other = "target" if side == "source" else "source"
        texts, keys = entry[side]
        other_texts, other_keys = entry[other]
        text, counterpart = " ".join(texts), " ".join(other_texts)
        tokens = T.tokenize(text, entry["langs"][side], keys)
        counterpart_tokens = T.tokenize(counterpart, entry["langs"][other], other_keys)
        term_spans = T.find_term(query, tokens)
        hits.append(
            Hit(
                link_id, entry["name"], entry["position"], entry["status"], side, text,
                entry["langs"][side], counterpart, entry["langs"][other],
                [(tokens[s].start, tokens[e - 1].end) for s, e in term_spans],
                tokens, counterpart_tokens,
            )
        )
    return hits


def _word_statistics(db, word: T.QueryWord, lang: str) -> T.WordStatistics:
    """Counterpart keys in a sample of the pairs holding one query word."""
    single = T.Query(word.text, lang, (word,))
    expression = single.fts_expression(column_for(lang))
    rows = index.counterpart_keys(db, expression, WORD_SAMPLE)
    per_link: dict[int, set[str]] = {}
    for link_id, keys in rows:
        per_link.setdefault(link_id, set()).update((keys or "").split())
    counts = Counter(key for keys in per_link.values() for key in keys)
    sample = len(per_link)
    hits = count_matches(db, single) if sample >= WORD_SAMPLE else sample
    return T.WordStatistics(hits, counts, sample)


def analyse(db, query: T.Query, hits: Sequence[Hit]) -> T.Associations:
    """Find each hit's translation span from co-occurrence, cognates and position."""
    if not hits:
        return {}
    phrase_counts: Counter = Counter()
    surface: dict[str, str] = {}
    for hit in hits:
        keys = set()
        for token in hit.counterpart_tokens:
            if token.is_word:
                keys.add(token.key)
                surface.setdefault(token.key, token.text)
        phrase_counts.update(keys)
    phrase = T.WordStatistics(len(hits), phrase_counts, len(hits))
    statistics = [phrase]
    word_level = len(query.content_words) > 1 and len(hits) < PHRASE_HITS_ENOUGH
    if word_level:
        statistics = [_word_statistics(db, w, query.lang) for w in query.content_words]
    # Only words seen in at least 5% of some sample can reach a useful Dice score;
    # the others keep an upper bound (their own count), which is small anyway.
    # Function words never bound a span, so their (costly) frequency is not needed.
    counterpart_lang = hits[0].counterpart_lang
    wanted: Counter = Counter()
    for stats in {id(s): s for s in [phrase, *statistics]}.values():
        for key, count in stats.counts.items():
            if (count * 20 >= stats.sample and key in surface
                    and not T.is_stopword(surface[key], counterpart_lang)):
                wanted[key] = max(wanted[key], count / stats.sample)
    frequent = [key for key, _ in wanted.most_common(MAX_FREQUENCY_LOOKUPS)]
    frequency = document_frequency(db, frequent, column_for(counterpart_lang))
    if word_level:
        table = T.associations(query, statistics, frequency, surface, phrase)
    else:
        table = T.associations(query, [phrase] * len(query.content_words), frequency, surface)
    for hit in hits:
        _choose_span(hit, query, table)
    return table


def _choose_span(hit: Hit, query: T.Query, table: T.Associations, exhaustive=False) -> None:
    if not hit.counterpart_tokens:
        return
    expected = None
    if hit.term_spans:
        start = next(i for i, t in enumerate(hit.tokens) if t.start == hit.term_spans[0][0])
        end = next(i for i, t in enumerate(hit.tokens) if t.end == hit.term_spans[0][1]) + 1
        expected = T.relative_position(hit.tokens, start, end)
    hit.candidates = T.ranked_spans(
        hit.counterpart_tokens, hit.counterpart, hit.counterpart_lang, query, table,
        expected, limit=EMBEDDED_CANDIDATES if exhaustive else 8, exhaustive=exhaustive,
    )
    hit.translation = hit.candidates[0] if hit.candidates else None


def refine(query: T.Query, hits: Sequence[Hit], table: T.Associations, encode) -> None:
    """Let the embedder choose among each hit's best candidate spans (all of them tried)."""
    for hit in hits:
        _choose_span(hit, query, table, exhaustive=True)
    chosen = T.refine_with_embeddings(query.text, [h.candidates for h in hits], encode)
    for hit, span in zip(hits, chosen, strict=True):
        hit.translation = span


def choose_translations(
    db: sqlite_utils.Database, query: T.Query, hits: Sequence[Hit], encode=None,
    embedded: int = 50,
) -> None:
    """Decide the rendering of every analysed hit, once, for everything that shows it.

    The highlighted span of a hit, the variant it is counted under and the
    variant filter all read `hit.translation`, set here and nowhere else, so
    the "Translations found" summary counts exactly what the hits highlight.
    With `encode`, the embedder re-ranks the candidates of the first `embedded`
    hits (the first page, in the stable corpus order); the others keep the
    statistical choice, so a term with hundreds of pairs costs the model no
    more than one page.
    """
    table = analyse(db, query, hits)
    if encode is not None and hits:
        refine(query, hits[:embedded], table, encode)


def lookup(
    db: sqlite_utils.Database,
    text: str,
    *,
    lang: str | None = None,
    filters: Filters | None = None,
    variant: str | None = None,
    limit: int = 50,
    encode: Callable[[Sequence[str]], object] | None = None,
) -> LookupResult:
    """Search a term; work out its translations; return one page of hits and the variants.

    `encode` (an embedder's `encode`) re-ranks the candidate spans; without it
    the choice rests on corpus statistics alone. Either way one choice per hit
    (`choose_translations`) feeds the highlight, the variants and the filter.
    """
    started = time.perf_counter()
    filters = filters or Filters()
    for language in [lang] if lang else document_languages(db):
        T.parse_query(text, language)  # a query without a word is refused before any write
    sync(db)
    lang = lang or detect_language(db, text)
    query = T.parse_query(text, lang)
    total, rows = _matched_links(db, query, filters)
    analysed = _assemble(rows, query)
    choose_translations(db, query, analysed, encode, embedded=limit)
    variants = T.rank_variants(h.translation for h in analysed)
    if variant:
        shown = [h for h in analysed if h.translation and h.translation.key == variant]
    else:
        shown = analysed
    page = shown[:limit]
    search_ms = (time.perf_counter() - started) * 1000
    return LookupResult(
        query, analysed[0].counterpart_lang if analysed else None, total, len(analysed),
        len(shown), page,
        variants, variant, filters, search_ms, (time.perf_counter() - started) * 1000,
    )


def hit_json(hit: Hit) -> dict:
    translation = hit.translation
    return {
        "link_id": hit.link_id,
        "document": hit.document,
        "position": hit.position,
        "status": hit.status,
        "side": hit.side,
        "lang": hit.lang,
        "text": hit.text,
        "term_spans": [list(span) for span in hit.term_spans],
        "counterpart_lang": hit.counterpart_lang,
        "counterpart": hit.counterpart,
        "translation": None if translation is None else {
            "text": translation.text, "key": translation.key,
            "span": [translation.char_start, translation.char_end],
            "spans": [list(span) for span in hit.translation_spans],
        },
    }


def result_json(result: LookupResult) -> dict:
    return {
        "query": result.query.text,
        "lang": result.query.lang,
        "counterpart_lang": result.counterpart_lang,
        "filters": {"confirmed_only": result.filters.confirmed_only,
                    "document": result.filters.document, "variant": result.variant},
        "total": result.total,
        "analysed": result.analysed,
        "matching": result.matching,
        "variants": [{"key": v.key, "text": v.text, "count": v.count} for v in result.variants],
        "hits": [hit_json(h) for h in result.hits],
        "search_ms": round(result.search_ms, 1),
        "server_ms": round(result.server_ms, 1),
    }
