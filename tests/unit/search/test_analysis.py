"""The French analysis: a number's shortcut gives the stem the Snowball path gives."""

from __future__ import annotations

import random

from services.core.values import fold
from services.search.analysis import _STEMMER, normalised, stem


def _snowball(word: str) -> str:
    """`stem` without its shortcut: the stemmer, then the plural rule."""
    stemmed: str = _STEMMER.stemWord(fold(word))
    if len(stemmed) > 3 and stemmed.endswith(("s", "x")):
        stemmed = stemmed[:-1]
    return stemmed


def test_a_number_is_stemmed_as_the_snowball_rules_stem_it() -> None:
    rng = random.Random(93)
    words = [str(n) for n in range(2000)] + [str(rng.getrandbits(64)) for _ in range(500)]
    words += ["0007", "2024s", "12e", "1er", "3x", "²³", "١٢٣", "vélos", "électricité"]
    stem.cache_clear()
    assert [stem(w) for w in words] == [_snowball(w) for w in words]


def test_a_title_with_a_number_is_normalised_word_by_word() -> None:
    assert normalised("Proposition 1234 : les vélos") == "proposit 1234 le velo"
