"""The offensive-pseudonym lexicon shipped in `data/pseudonymes_interdits.txt`."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from services.core.values import fold

LEXICON = Path(__file__).parent / "data" / "pseudonymes_interdits.txt"
_LEET = str.maketrans("013457@$", "oieastas")
# Short words match only as whole words, so "Dominique" (nique) and "Pdupont"
# (pd) pass while "pd-du-69" does not; longer ones anywhere ("xconnardx").
_SHORT = 6


@functools.cache
def _words() -> frozenset[str]:
    lines = LEXICON.read_text(encoding="utf-8").splitlines()
    return frozenset(fold(w.strip()) for w in lines if w.strip() and not w.startswith("#"))


def is_offensive(pseudonym: str) -> bool:
    folded = fold(pseudonym).translate(_LEET)
    tokens = set(re.split(r"[^a-z]+", folded))
    squashed = re.sub(r"[^a-z]", "", folded)
    return any(word in tokens if len(word) < _SHORT else word in squashed for word in _words())
