"""French text normalisation for theme analysis: lowercase, tokens of letters,
stop words removed, Snowball stemming, accents folded after stemming (the
stemmer needs the accents, matching must not depend on them: "region" and
"région" are one term)."""

from __future__ import annotations

import re
from collections import Counter

import snowballstemmer

from services.core.values import fold_accents
from services.synthesis.themes.stopwords import STOP_WORDS_FR

_WORD = re.compile(r"[^\W\d_]{2,}")
# What stands in for masked personal data (« [téléphone masqué] », a moderator's
# « [nom masqué] »): not the participant's words, never a theme's.
_MASKED = re.compile(r"\[[^\[\]\n]{0,60}masqu[ée]e?s?\]")


class FrenchAnalyzer:
    """Text -> stemmed, folded terms. Stems are cached per word (the vocabulary is
    small next to the corpus); `surface` remembers, per term, how often each
    original word produced it, to label themes with real words."""

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("french")
        self._cache: dict[str, str | None] = {}
        self.surface: dict[str, Counter[str]] = {}
        self.record_surface = True

    def __call__(self, text: str) -> list[str]:
        terms: list[str] = []
        for word in self.words(text.lower()):
            term = self.term(word)
            if term is not None:
                terms.append(term)
                self.saw(term, word)
        return terms

    @staticmethod
    def words(lowered: str) -> list[str]:
        """The words of a lowercased text, stop words included, placeholders of
        masked data left out."""
        if "masqu" in lowered:
            lowered = _MASKED.sub(" ", lowered)
        return _WORD.findall(lowered)

    def term(self, word: str) -> str | None:
        """A lowercased word's term; None for a stop word or a stem too short."""
        term = self._cache.get(word, "")
        if term == "":
            term = self._cache[word] = self._term(word)
        return term

    def saw(self, term: str, word: str, times: int = 1) -> None:
        """Count `times` uses of `word` for `term` (labels show its most frequent word)."""
        if not self.record_surface:
            return
        words = self.surface.get(term)
        if words is None:
            words = self.surface[term] = Counter()
        words[word] += times

    def _term(self, word: str) -> str | None:
        folded = fold_accents(word)
        if folded in STOP_WORDS_FR:
            return None
        stem = fold_accents(self._stemmer.stemWord(word))
        return stem if len(stem) >= 2 else None

    def word_for(self, term: str) -> str:
        """The most frequent original word of a term (ties: alphabetical)."""
        words = self.surface.get(term)
        if not words:
            return term
        return min(words.items(), key=lambda kv: (-kv[1], kv[0]))[0]
