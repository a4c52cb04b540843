"""Accent folding, the one definition every service's matching relies on
(pseudonyms, search stems, theme terms, moderation checks)."""

from __future__ import annotations

import unicodedata


def fold_accents(text: str) -> str:
    """`text` without diacritics ("Électricité" -> "Electricite"), case kept."""
    if text.isascii():  # nothing to decompose: most words of a French text
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case without diacritics ("Électricité" -> "electricite")."""
    return fold_accents(text.casefold())
