"""The keys the terminology index stores: a word lower-cased, Snowball-stemmed in its
language, then stripped of accents (so `Accords`, `accord` and `accordé` may meet).

Apart from `workbench.terms` because the store computes them too, when it indexes
sentences (`workbench.store.terms.sync`); pure functions, no database.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SNOWBALL_LANGUAGES = {
    "fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian",
    "pt": "portuguese", "nl": "dutch",
}
TOKEN_PATTERN = re.compile(r"\w+|[^\w\s]")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case and strip accents: `Élan` → `elan`, `Œuvre` → `oeuvre`."""
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=16)
def _stemmer(lang: str):
    from nltk.stem.snowball import SnowballStemmer

    name = SNOWBALL_LANGUAGES.get(lang)
    return SnowballStemmer(name) if name else None


@lru_cache(maxsize=200_000)
def word_key(word: str, lang: str) -> str:
    """The key of one word in its language: stemmed, then accent-folded."""
    stemmer = _stemmer(lang)
    lowered = word.casefold()
    return fold(stemmer.stem(lowered) if stemmer else lowered)


def token_key(token: str, lang: str) -> str:
    """A word's key; a punctuation mark is its own key."""
    return word_key(token, lang) if token[0].isalnum() or token[0] == "_" else token


def index_keys(text: str, lang: str) -> str:
    """What the full-text index stores for a sentence: its token keys, space-separated."""
    return " ".join(token_key(m.group(), lang) for m in TOKEN_PATTERN.finditer(text))
