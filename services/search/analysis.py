"""French text analysis shared by every adapter, so that the memory fake, tantivy and
the snippets agree on what a "word" is: lower case, accents folded, Snowball French
stem. Adapters index the normalised stems (positions kept, for phrases) and keep the
raw text for display."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import snowballstemmer

from services.core.values import fold

_WORD = re.compile(r"\w+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("french")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The indexed form of one word. Folded *before* stemming, so that a query typed
    without accents ("electricite") meets the accented text; then a plural "s" the
    Snowball rules keep after a vowel ("velos") is dropped. A number is its own stem
    (the rules read letters only): the stemmer took 27 us for one, and numbers are
    the words a cache meets once ("Proposition 1234", years, amounts; ADR 0093)."""
    if word.isascii() and word.isdigit():
        return word
    stemmed: str = _STEMMER.stemWord(fold(word))
    if len(stemmed) > 3 and stemmed.endswith(("s", "x")):
        stemmed = stemmed[:-1]
    return stemmed


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """(stem, start, end) of every word of `text`, in order."""
    for m in _WORD.finditer(text):
        yield stem(m.group()), m.start(), m.end()


def stems(text: str) -> list[str]:
    return [s for s, _, _ in words(text)]


def normalised(text: str) -> str:
    """The space-joined stems: what adapters index with a whitespace tokenizer.
    The same stems as `stems`, without the positions: run on every document of a
    rebuild, so the words go straight from the regex to the stem cache."""
    return " ".join(map(stem, _WORD.findall(text)))
