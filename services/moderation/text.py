"""Text normalisation shared by the checks and the campaign detector."""

from __future__ import annotations

import functools
import re

from services.core.values import fold_accents

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"(.)\1{2,}")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s", "€": "e"})
# The accented letters of French, folded by a table: much faster than NFKD per character.
_FRENCH = str.maketrans({**dict.fromkeys("àâäáã", "a"), **dict.fromkeys("éèêë", "e"),
                         **dict.fromkeys("îïíì", "i"), **dict.fromkeys("ôöóò", "o"),
                         **dict.fromkeys("ùûüú", "u"), "ç": "c", "ÿ": "y", "ñ": "n",
                         "œ": "oe", "æ": "ae", "\u2019": "'"})


# A contribution's text is folded by the spam check, the content-free check and
# the campaign detector in turn: the last few foldings are kept (ADR 0083).
@functools.lru_cache(maxsize=64)
def fold(value: str) -> str:
    """Lower case, no accents, only [a-z0-9] words separated by single spaces."""
    # other scripts and rare accents: the general (slower) way, after the table
    plain = fold_accents(value.lower().translate(_FRENCH))
    return _NOT_ALNUM.sub(" ", plain).strip()


_LEET_DIGITS = "0134"
_DIGITS_TO_LETTERS = str.maketrans({d: _LEET[ord(d)] for d in _LEET_DIGITS})


def fold_evasive(value: str) -> str:
    """`fold` after undoing common evasions: digits for letters, letters repeated
    three times or more ("connnnard" -> "connard": French doubles letters).
    Spaced-out letters ("c o n") are not handled."""
    folded = fold(value)  # the one the spam, content-free and campaign checks read
    # Digits for letters after folding instead of before: the same text whenever
    # the folding turned no other character into one of those digits ("¹" -> "1")
    # and the text holds no sign the table maps ("@" -> "a"), which folding would
    # have made a space. A contribution's text is then folded once, not twice (ADR 0093).
    if "@" not in value and "$" not in value and "€" not in value and (
            sum(map(folded.count, _LEET_DIGITS)) == sum(map(value.count, _LEET_DIGITS))):
        return _REPEATS.sub(r"\1\1", folded.translate(_DIGITS_TO_LETTERS))
    return _REPEATS.sub(r"\1\1", fold(value.lower().translate(_LEET)))
