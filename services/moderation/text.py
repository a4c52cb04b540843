"""Text normalisation shared by the checks and the campaign detector."""

from __future__ import annotations

import functools
import re

from services.core.values import fold_accents

_REPEATS = re.compile(r"(.)\1{2,}")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "@": "a", "$": "s", "€": "e"})
# The accented letters of French, folded by a table: much faster than NFKD per character.
_FRENCH = str.maketrans({**dict.fromkeys("àâäáã", "a"), **dict.fromkeys("éèêë", "e"),
                         **dict.fromkeys("îïíì", "i"), **dict.fromkeys("ôöóò", "o"),
                         **dict.fromkeys("ùûüú", "u"), "ç": "c", "ÿ": "y", "ñ": "n",
                         "œ": "oe", "æ": "ae", "\u2019": "'"})

# Folding is a map of each character followed by "runs of anything but [a-z0-9]
# become one space" (ADR 0101): lower case is per character (but for the Greek
# final sigma, which becomes a space either way), the table too, and NFKD then
# dropping the combining marks as well -- its reordering only moves combining marks,
# which are all dropped. So a non-ASCII character is replaced by its folding, cached,
# with what is not [a-z0-9] in it as spaces; the ASCII ones are left to a C table.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# every ASCII character but [a-z0-9] (capitals too: NFKD can make one) to a space
_ASCII_WORDS = str.maketrans({chr(i): chr(i) if chr(i) in _ALNUM else " " for i in range(128)})


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = fold_accents(char.translate(_FRENCH))
    return "".join(c if c in _ALNUM else " " for c in folded)


def _fold_match(match: re.Match[str]) -> str:
    return _fold_char(match.group())


# A contribution's text is folded by the spam check, the content-free check and
# the campaign detector in turn: the last few foldings are kept (ADR 0083).
@functools.lru_cache(maxsize=64)
def fold(value: str) -> str:
    """Lower case, no accents, only [a-z0-9] words separated by single spaces."""
    lowered = value.lower()
    if not lowered.isascii():
        # a regex callback per non-ASCII character, not `str.translate`, whose
        # lookup of every ASCII character of a non-ASCII text cost ~14 µs a text
        lowered = _NON_ASCII.sub(_fold_match, lowered)
    return " ".join(lowered.translate(_ASCII_WORDS).split())


def has_run(value: bytes, length: int, width: int = 1) -> bool:
    """Whether `value`, characters of `width` bytes each (an ASCII or UTF-32
    encoding), may hold `length` equal characters in a row: a zero byte for each
    byte equal to the one a character further, by XOR of the text and itself
    shifted, one C operation each instead of a regex trying every position.
    Never False when there is such a run; True may also be a run straddling the
    characters' boundaries (UTF-32: the caller checks it)."""
    if len(value) < length * width:
        return False
    shifted = (int.from_bytes(value[width:], "little")
               ^ int.from_bytes(value[:-width], "little"))
    return b"\0" * ((length - 1) * width) in shifted.to_bytes(len(value) - width, "little")


_LEET_DIGITS = "0134"
_DIGITS_TO_LETTERS = str.maketrans({d: _LEET[ord(d)] for d in _LEET_DIGITS})


def _undouble(folded: str) -> str:
    """Letters repeated three times or more, twice; most texts hold none."""
    if not has_run(folded.encode("ascii"), 3):
        return folded
    return _REPEATS.sub(r"\1\1", folded)


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
        return _undouble(folded.translate(_DIGITS_TO_LETTERS))
    return _undouble(fold(value.lower().translate(_LEET)))
