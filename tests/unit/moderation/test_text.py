"""The evasion folding: folding once and mapping the digits after gives the text
that mapping the digits first and folding again gives (ADR 0093). The folding a
character at a time gives the former folding, and runs are found where a regex
finds them (ADR 0101)."""

from __future__ import annotations

import random
import re

from moderation.corpus import mixed
from services.core.values import fold_accents
from services.moderation.text import _FRENCH, _LEET, _REPEATS, fold, fold_evasive, has_run

TRICKY = ["C0nnard !", "c@sse-toi", "gr4ti$ 100 €",
          "l3 1er ¹³ ①④ \uff10\uff11\uff13\uff14 x²", "\uff23\uff10\uff4e",
          "vallée 2024 ÉTÉ 34", "İstanbul 10", "ΣΑΣ 4", "œuvre 0 % 1 ‰", "3\u0301 4\u0308",
          "connnnnard 11113333", "", "   ", "@", "4" * 50, "é1", "ﬁ 1", "½ 13"]


def _fold_former(value: str) -> str:
    """`fold` as it was before ADR 0101."""
    plain = fold_accents(value.lower().translate(_FRENCH))
    return re.sub(r"[^a-z0-9]+", " ", plain).strip()


def _twice(value: str) -> str:
    """fold_evasive as it was: the digits mapped first, then the whole folding."""
    return _REPEATS.sub(r"\1\1", fold(value.lower().translate(_LEET)))


def test_folding_once_gives_the_text_folding_twice_gave() -> None:
    rng = random.Random(93)
    texts = [text for _, text, _ in mixed(300, 50)] + TRICKY
    pieces = [*TRICKY, "0", "1", "3", "4", "@", "$", "€", "é", "É", "¹", " ", "ab", "\n"]
    texts += ["".join(rng.choices(pieces, k=rng.randint(1, 12))) for _ in range(3000)]
    for text in texts:
        assert fold_evasive(text) == _twice(text), text


def test_folding_character_by_character_gives_the_former_folding() -> None:
    """ADR 0101: every code point, side by side (combining marks next to each other,
    which NFKD reorders), and random mixes, folded as before."""
    every = [chr(c) for c in range(0x110000)]
    for start in range(0, len(every), 512):
        chunk = "".join(every[start:start + 512])
        assert fold(chunk) == _fold_former(chunk), hex(start)
    rng = random.Random(101)
    pieces = [*TRICKY, "É", "é", "e\u0301\u0316", "\u0316\u0301", "Σ", "ς", "ΑΣ Σ", "㎁", "ﬁ",
              "œ", "Æ", "\u2019", "\u00a0", "\t", "-", "K", "İ", "\u0131", "\u017f", "😀", "\ud800",
              "A", "z"]
    for _ in range(3000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        assert fold(text) == _fold_former(text), text


def test_a_run_is_found_where_a_regex_finds_it() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choices("ab \n", k=rng.randint(0, 12)))
        for length in (2, 3, 6):
            expected = re.search(rf"(.)\1{{{length - 1}}}", text, re.DOTALL) is not None
            assert has_run(text.encode("ascii"), length) == expected, (text, length)
            # wider characters: never a run missed
            if expected:
                assert has_run(text.encode("utf-16-le"), length, 2)
                assert has_run(text.encode("utf-32-le"), length, 4)
