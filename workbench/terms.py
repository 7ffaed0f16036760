"""Terminology lookup, the pure part: keys, queries, term spans and translation spans.

A *key* is what the search compares: a word lower-cased, Snowball-stemmed in its
language, then stripped of accents (so `Accords`, `accord` and `accordé` may
meet, and `traité` meets `traite`). The index stores one key per token; the same
function turns the translator's query into keys, so both sides always agree.

Finding the translation of a term inside its counterpart sentence combines
three clues, each cheap: how strongly a counterpart word co-occurs with the
term across the corpus (Dice), how much it looks like a query word (French and
English share many cognates), and where it sits in the sentence compared with
the term. Sentence embeddings of candidate spans may refine the choice for the
few hits on screen (`refine_with_embeddings`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

from workbench.errors import DomainError
from workbench.term_keys import TOKEN_PATTERN, fold, token_key, word_key
from workbench.term_keys import index_keys as index_keys  # the keys of `tokenize`, for the index

# Punctuation that ends a phrase: a translation never spans it.
PHRASE_BREAKS = frozenset(".,;:!?()[]{}«»\"“”„…—–/|")

# Function words: never the first or last word of a translation span.


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = {
    "fr": _wordset(
        """a au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le
        les leur leurs lui ma mais me mes moi mon ne ni nos notre nous on ou où par pas pour qu
        que qui sa se ses si son sur ta te tes toi ton tu un une vos votre vous y l d j m n s t c
        est sont été être a ont avait avaient était étaient fut sera aussi plus très même
        comme dont tout tous toute toutes cela ceci ça là ici alors donc car puis"""
    ),
    "en": _wordset(
        """a an the of to in on at by for from with and or but nor not no as is are was were
        be been being has have had do does did it its this that these those he she they them
        his her their our we you your i me my us which who whom whose what there here than then
        so too very also such into onto upon over under about s t will would shall should can
        could may might must"""
    ),
}


# --- keys ------------------------------------------------------------------------


class Token(NamedTuple):
    text: str
    start: int
    end: int
    key: str
    is_word: bool


def tokenize(text: str, lang: str, keys: Sequence[str] | None = None) -> list[Token]:
    """Words and punctuation marks with their character offsets and keys.

    `keys` may come from the index (one per token); they are recomputed if
    they do not fit, so a stale index never breaks highlighting.
    """
    matches = [(m.group(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(text)]
    if keys is None or len(keys) != len(matches):
        keys = [token_key(token, lang) for token, _, _ in matches]
    make = tuple.__new__  # skips NamedTuple's Python-level constructor: lookups build many
    return [
        make(Token, (token, start, end, key, token[0].isalnum() or token[0] == "_"))
        for (token, start, end), key in zip(matches, keys, strict=True)
    ]


@lru_cache(maxsize=200_000)
def is_stopword(key_or_word: str, lang: str) -> bool:
    words = STOPWORDS.get(lang, frozenset())
    return key_or_word in words or fold(key_or_word) in words


# --- queries ----------------------------------------------------------------------


class QueryError(DomainError):
    """The query has nothing to search for."""


@dataclass(frozen=True)
class QueryWord:
    text: str
    key: str
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """A phrase: consecutive words, any of which may end in `*` to match as a prefix."""

    text: str
    lang: str
    words: tuple[QueryWord, ...]

    @cached_property
    def content_words(self) -> tuple[QueryWord, ...]:
        content = tuple(w for w in self.words if not is_stopword(w.text, self.lang))
        return content or self.words

    def fts_expression(self, column: str) -> str:
        """The FTS5 MATCH expression for this phrase, restricted to one column."""
        parts = []
        for word in self.words:
            quoted = '"' + word.key.replace('"', '""') + '"'
            parts.append(quoted + ("*" if word.prefix else ""))
        return f"{column} : (" + " + ".join(parts) + ")"


def parse_query(text: str, lang: str) -> Query:
    """Quotes are optional (the whole query is one phrase); `*` marks a prefix."""
    cleaned = text.replace("\u2019", "'").strip()
    words: list[QueryWord] = []
    for match in re.finditer(r"(\w+)(\*?)", cleaned):
        word, star = match.groups()
        words.append(QueryWord(word, word_key(word, lang), bool(star)))
    if not words:
        raise QueryError(f"nothing to search for in {text!r}: type a word or a phrase")
    return Query(cleaned.strip('"\''), lang, tuple(words))


def find_term(query: Query, tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Every occurrence of the query phrase, as token index ranges [start, end).

    Punctuation between words is skipped, as the full-text index does.
    """
    words = [i for i, token in enumerate(tokens) if token.is_word]
    keys = [tokens[i].key for i in words]
    size = len(query.words)
    found = []
    for start in range(len(keys) - size + 1):
        if all(
            keys[start + k].startswith(w.key) if w.prefix else keys[start + k] == w.key
            for k, w in enumerate(query.words)
        ):
            found.append((words[start], words[start + size - 1] + 1))
    return found


# Endings that make a plural (or its singular): `accord`/`accords`, `travail`/`travaux`,
# `policy`/`policies`. Any other difference is another word, even with the same stem
# (`État`/`étatisme`, `ouvriers`/`ouvrière`).
NUMBER_ENDINGS = (("", "s"), ("", "x"), ("", "es"), ("al", "aux"), ("ail", "aux"), ("y", "ies"))


def same_word(query_word: QueryWord, token: Token) -> bool:
    """Is `token` the query word itself (any case and accents), or its plural or singular?

    Stricter than comparing keys: Snowball gives `État` and `étatisme` one stem.
    A prefix query word (`syndic*`) matches any word starting with it.
    """
    if not token.is_word:
        return False
    if query_word.prefix:
        return token.key.startswith(query_word.key)
    if token.key != query_word.key:
        return False
    a, b = fold(query_word.text), fold(token.text)
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return any(
        short.endswith(one) and long_ == short[: len(short) - len(one)] + other
        for one, other in NUMBER_ENDINGS
    )


def find_exact_term(words: Sequence[QueryWord], tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Occurrences of a glossary term as whole words (`same_word`), punctuation skipped:
    token index ranges [start, end)."""
    positions = [i for i, token in enumerate(tokens) if token.is_word]
    size = len(words)
    found = []
    for start in range(len(positions) - size + 1):
        if all(same_word(w, tokens[positions[start + k]]) for k, w in enumerate(words)):
            found.append((positions[start], positions[start + size - 1] + 1))
    return found


# --- translation spans --------------------------------------------------------------


def dice(together: float, left: float, right: float, smoothing: float = 1.0) -> float:
    """Dice's coefficient, shrunk a little so that one lucky co-occurrence is not 1.0."""
    total = left + right + smoothing
    return 2.0 * together / total if total > 0 else 0.0


@lru_cache(maxsize=100_000)
def cognate_similarity(left: str, right: str) -> float:
    """How alike two words look once folded (`prolétariat`/`proletariat` → 1.0)."""
    a, b = fold(left), fold(right)
    if a == b:
        return 1.0 if len(a) >= 3 else 0.0
    if len(a) < 4 or len(b) < 4 or a[0] != b[0] or not 0.5 <= len(a) / len(b) <= 2:
        return 0.0
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    if common >= 5 or (common >= 4 and min(len(a), len(b)) <= 6):
        return 0.9
    ratio = SequenceMatcher(None, a, b).ratio()
    return ratio if ratio >= 0.75 else 0.0


@dataclass(frozen=True)
class Span:
    """A run of counterpart tokens [start, end) proposed as the term's translation."""

    start: int
    end: int
    score: float
    text: str
    key: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class SpanSettings:
    # Translations of terms tend to have as many content words as the term: up to
    # that many, a content word costs little; beyond it, it must bring a lot.
    word_cost: float = 0.1
    extra_word_cost: float = 0.5
    stopword_cost: float = 0.05  # function words inside a span cost a little
    position_weight: float = 0.25
    extra_words: int = 2  # a span may hold this many more words than the query
    edges_per_word: int = 2  # best counterpart words per query word that may bound a span
    embedding_weight: float = 1.5  # chosen on the demo term set (bench/highlight.py)


Associations = Mapping[str, Sequence[float]]
"""For each counterpart key, its association with each content word of the query, 0 to 1."""


def candidate_spans(
    tokens: Sequence[Token],
    lang: str,
    max_words: int,
    edges: set[int] | None = None,
) -> Iterable[tuple[int, int]]:
    """Runs of words not crossing a phrase break, starting and ending on content words.

    `edges`, when given, are the only token indices a run may start or end on
    (the words that score well), which keeps long sentences cheap.
    """
    count = len(tokens)
    for start in range(count):
        first = tokens[start]
        if edges is not None and start not in edges:
            continue
        if not first.is_word or is_stopword(first.text, lang):
            continue
        words = 0
        for end in range(start, count):
            token = tokens[end]
            if not token.is_word:
                if token.text in PHRASE_BREAKS:
                    break
                continue
            words += 1
            if words > max_words:
                break
            if is_stopword(token.text, lang) or (edges is not None and end not in edges):
                continue
            yield start, end + 1


def span_from(tokens: Sequence[Token], text: str, start: int, end: int, score: float) -> Span:
    words = [t.key for t in tokens[start:end] if t.is_word]
    return Span(
        start, end, score, text[tokens[start].start : tokens[end - 1].end], " ".join(words),
        tokens[start].start, tokens[end - 1].end,
    )


def coverage(rows: Sequence[Sequence[float]]) -> float:
    """Best one-to-one matching of query words to span words: the sum of the matches.

    One-to-one, so that a span word strongly tied to the whole phrase cannot
    stand in for every query word at once. Exact (a dynamic programme over
    the sets of query words already matched); queries are a few words long.
    """
    if not rows:
        return 0.0
    if len(rows) == 1:
        return max(rows[0], default=0.0)
    width = max(len(row) for row in rows)
    if width == 1:
        return max(row[0] if row else 0.0 for row in rows)
    if width > 10:
        width = 10  # a sentence, not a term: match its first ten words only
    best = {0: 0.0}
    for row in rows:
        step = dict(best)
        for used, total in best.items():
            for q in range(min(width, len(row))):
                if not used & (1 << q) and row[q] > 0:
                    key = used | (1 << q)
                    if total + row[q] > step.get(key, -1.0):
                        step[key] = total + row[q]
        best = step
    return max(best.values())


def score_span(
    tokens: Sequence[Token],
    start: int,
    end: int,
    associations: Associations,
    lang: str,
    query_words: Sequence[QueryWord],
    expected_position: float | None,
    settings: SpanSettings,
) -> float:
    rows = []
    total = 0.0
    budget = len(query_words)
    for token in tokens[start:end]:
        if not token.is_word:
            continue
        if is_stopword(token.text, lang):
            total -= settings.stopword_cost
        else:
            total -= settings.word_cost if len(rows) < budget else settings.extra_word_cost
            rows.append(associations.get(token.key, ()))
    total += coverage(rows)
    if expected_position is not None and len(tokens) > 1:
        centre = (tokens[start].start + tokens[end - 1].end) / 2
        length = max(1, tokens[-1].end)
        distance = abs(centre / length - expected_position)
        total += settings.position_weight * (1.0 - min(1.0, 2 * distance))
    return total


def ranked_spans(
    tokens: Sequence[Token],
    text: str,
    lang: str,
    query: Query,
    associations: Associations,
    expected_position: float | None = None,
    settings: SpanSettings | None = None,
    limit: int = 8,
    exhaustive: bool = False,
) -> list[Span]:
    """The best candidate spans of a counterpart sentence, best first.

    Spans start and end on the words most tied to some query word, unless
    `exhaustive` (used for the few hits whose candidates go to the embedder).
    """
    settings = settings or SpanSettings()
    max_words = len(query.words) + settings.extra_words
    content = [
        i for i, t in enumerate(tokens) if t.is_word and not is_stopword(t.text, lang)
    ]
    edges: set[int] | None = None if exhaustive else set()
    for q in range(len(query.content_words) if edges is not None else 0):
        def strength(i: int, q: int = q) -> float:
            row = associations.get(tokens[i].key, ())
            return row[q] if q < len(row) else 0.0

        edges.update(sorted(content, key=strength, reverse=True)[: settings.edges_per_word])
    scored = [
        (score_span(tokens, s, e, associations, lang, query.content_words, expected_position,
                    settings), s, e)
        for s, e in candidate_spans(tokens, lang, max_words, edges)
    ]
    scored.sort(key=lambda item: (-item[0], item[2] - item[1], item[1]))
    return [span_from(tokens, text, s, e, score) for score, s, e in scored[:limit]]


@dataclass
class WordStatistics:
    """Co-occurrence counts for one query word (or the whole phrase).

    `hits`: pairs holding it; `counts[k]`: pairs of a sample of `sample` of
    them whose counterpart holds key k.
    """

    hits: int
    counts: Mapping[str, int]
    sample: int


def associations(
    query: Query,
    statistics: Sequence[WordStatistics],
    document_frequency: Mapping[str, int],
    surface: Mapping[str, str],
    phrase: WordStatistics | None = None,
) -> dict[str, tuple[float, ...]]:
    """How strongly each counterpart word is tied to each content word of the query.

    `statistics` holds one entry per content word, in order (for a one-word
    query, the phrase itself); `document_frequency[k]` counts counterpart
    sentences holding k in the whole corpus; `surface[k]` is a word form of k;
    `phrase`, for a multi-word query, the statistics of the whole phrase, which
    count for each of its words (the one-to-one `coverage` keeps that fair).
    Co-occurrence (Dice) and look-alike spelling combine as a noisy OR.
    """
    table: dict[str, tuple[float, ...]] = {}
    query_has_digits = any(w.text[0].isdigit() for w in query.words)
    for key, word in surface.items():
        if word[0].isdigit() and not query_has_digits:
            continue  # numbers translate numbers, not terms
        frequency = document_frequency.get(key, 0)

        def association(stats: WordStatistics, key: str = key, frequency: int = frequency):
            together = stats.counts.get(key, 0) * stats.hits / stats.sample if stats.sample else 0
            return dice(together, stats.hits, max(frequency, together))

        whole = association(phrase) if phrase is not None else 0.0
        row = []
        for query_word, stats in zip(query.content_words, statistics, strict=True):
            strength = max(whole, association(stats))
            cognate = cognate_similarity(query_word.text, word)
            row.append(1.0 - (1.0 - strength) * (1.0 - cognate))
        table[key] = tuple(row)
    return table


def relative_position(tokens: Sequence[Token], start: int, end: int) -> float:
    length = max(1, tokens[-1].end) if tokens else 1
    return ((tokens[start].start + tokens[end - 1].end) / 2) / length


def refine_with_embeddings(
    term: str,
    candidates: Sequence[Sequence[Span]],
    encode: Callable[[Sequence[str]], np.ndarray],
    weight: float = SpanSettings.embedding_weight,
) -> list[Span | None]:
    """Re-rank each hit's candidate spans by adding their similarity to the term.

    One `encode` call for all hits: the term and every distinct candidate text.
    """
    texts = sorted({span.text for spans in candidates for span in spans})
    if not texts:
        return [None for _ in candidates]
    vectors = encode([term, *texts])
    similarity = dict(zip(texts, (vectors[1:] @ vectors[0]).tolist(), strict=True))
    chosen: list[Span | None] = []
    for spans in candidates:
        if not spans:
            chosen.append(None)
            continue
        chosen.append(max(spans, key=lambda s: s.score + weight * similarity[s.text]))
    return chosen


# --- variants ---------------------------------------------------------------------


@dataclass
class Variant:
    """One distinct translation: its key, the form most often seen, how many hits use it."""

    key: str
    text: str
    count: int
    forms: Counter = field(default_factory=Counter)


def rank_variants(spans: Iterable[Span | None]) -> list[Variant]:
    """Distinct translations, most frequent first (ties: alphabetical)."""
    by_key: dict[str, Variant] = {}
    for span in spans:
        if span is None or not span.key:
            continue
        variant = by_key.setdefault(span.key, Variant(span.key, span.text, 0))
        variant.count += 1
        variant.forms[span.text] += 1
    for variant in by_key.values():
        variant.text = min(variant.forms.items(), key=lambda item: (-item[1], item[0]))[0]
    return sorted(by_key.values(), key=lambda v: (-v.count, v.text.casefold()))


def contains_phrase(keys: Sequence[str], phrase: Sequence[str]) -> bool:
    """Does the run of word keys `phrase` occur in `keys` (punctuation ignored)?"""
    words = [k for k in keys if k and (k[0].isalnum() or k[0] == "_")]
    size = len(phrase)
    if size == 0:
        return False
    return any(words[i : i + size] == list(phrase) for i in range(len(words) - size + 1))
