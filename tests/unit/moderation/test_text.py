"""The evasion folding: folding once and mapping the digits after gives the text
that mapping the digits first and folding again gives (ADR 0093)."""

from __future__ import annotations

import random

from moderation.corpus import mixed
from services.moderation.text import _LEET, _REPEATS, fold, fold_evasive

TRICKY = ["C0nnard !", "c@sse-toi", "gr4ti$ 100 €",
          "l3 1er ¹³ ①④ \uff10\uff11\uff13\uff14 x²", "\uff23\uff10\uff4e",
          "vallée 2024 ÉTÉ 34", "İstanbul 10", "ΣΑΣ 4", "œuvre 0 % 1 ‰", "3\u0301 4\u0308",
          "connnnnard 11113333", "", "   ", "@", "4" * 50, "é1", "ﬁ 1", "½ 13"]


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
