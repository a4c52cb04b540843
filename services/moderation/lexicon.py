"""The French insult lexicon shipped in `data/moderation/insultes_fr.txt`."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from services.moderation.text import fold

LEXICON_FILE = Path(__file__).resolve().parents[2] / "data" / "moderation" / "insultes_fr.txt"
CATEGORIES = ("injure", "discrimination", "grossierete")


@dataclass(frozen=True, slots=True)
class Lexicon:
    pattern: re.Pattern[str]
    category_of: dict[str, str]
    # Every word a match can start with: an expression's first word, and a one-word
    # expression with its plural too. The pattern's alternation of every expression,
    # tried after each space, cost ~10 µs a text that held none of them (ADR 0101).
    starts: frozenset[str]

    def find(self, folded: str) -> list[tuple[str, str]]:
        """(expression, category) found as whole words in already folded text."""
        # A match starts after a space and ends before one, so its first word is
        # one of the text's words split at the spaces.
        if self.starts.isdisjoint(folded.split(" ")):
            return []
        found = dict.fromkeys(m.group(1) for m in self.pattern.finditer(f" {folded} "))
        return [(e, self.category_of[e]) for e in found]


def parse(lines: list[str]) -> Lexicon:
    category_of: dict[str, str] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        expression, _, category = line.partition(";")
        if category not in CATEGORIES:
            raise ValueError(f"unknown lexicon category in {line!r}")
        category_of[fold(expression)] = category
    # Longest first, so "fils de pute" wins over "pute"; one regex scans a text once;
    # a plural "s" or "x" is allowed.
    words = sorted(category_of, key=len, reverse=True)
    pattern = re.compile(r"(?<= )(" + "|".join(re.escape(w) for w in words) + r")(?:s|x)?(?= )")
    starts = {w.split(" ")[0] for w in words}
    starts.update(w + plural for w in words if " " not in w for plural in ("s", "x"))
    return Lexicon(pattern, category_of, frozenset(starts))


@functools.cache
def default_lexicon() -> Lexicon:
    return parse(LEXICON_FILE.read_text(encoding="utf-8").splitlines())
