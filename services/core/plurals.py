"""A count with its noun in the right number, where a message wrote « 3 phase(s) »
or « 1 line(s) skipped ». French takes the singular below two (« 0 phase »,
« 1 phase », « 2 phases »); English for one only (« 0 lines », « 1 line »).
`plural` when it is not the singular with an « s » (« phases de vote closes »,
« processes »). The pages group thousands in French (web's `count_fr`); an
operator's command prints the digits as they are."""

from __future__ import annotations


def french_noun(n: float, singular: str, plural: str | None = None) -> str:
    return singular if abs(n) < 2 else (plural or singular + "s")


def english_noun(n: float, singular: str, plural: str | None = None) -> str:
    return singular if n == 1 else (plural or singular + "s")


def french_count(n: int, singular: str, plural: str | None = None) -> str:
    """« 0 phase », « 2 phases »."""
    return f"{n} {french_noun(n, singular, plural)}"


def english_count(n: int, singular: str, plural: str | None = None) -> str:
    """« 0 lines », « 1 line »."""
    return f"{n} {english_noun(n, singular, plural)}"
