"""Counts with their noun in the right number. The pages' French: the singular
below two (« 0 vote », « 1 vote »), the plural from two, thousands grouped as
`number_fr` groups them; they said « vote(s) », « contribution(s) », « 1 ligne(s)
écartée(s) ». The operator commands' French and English (services/core/plurals.py),
digits as they are: they said « 3 phase(s) », « 1 line(s) skipped »; English
takes the singular for one only (« 0 lines »)."""

from __future__ import annotations

from services.core.plurals import english_count, french_count
from services.web.rendering import build_environment, count_fr


def test_singular_below_two_plural_from_two() -> None:
    assert [count_fr(n, "vote") for n in (0, 1, 2)] == ["0 vote", "1 vote", "2 votes"]
    assert count_fr(1234, "ligne écartée", "lignes écartées") == "1\u202f234 lignes écartées"
    assert count_fr(1, "personne a", "personnes ont") == "1 personne a"
    assert count_fr(None, "vote") == ""


def test_templates_count_with_the_filter() -> None:
    env = build_environment({})
    template = env.from_string('{{ n|count_fr("contribution décidée", "contributions décidées") }}')
    assert template.render(n=1) == "1 contribution décidée"
    assert template.render(n=3) == "3 contributions décidées"


def test_the_commands_french_counts_digits_as_they_are() -> None:
    assert [french_count(n, "phase") for n in (0, 1, 2)] == ["0 phase", "1 phase", "2 phases"]
    assert french_count(1234, "élément") == "1234 éléments"
    assert french_count(2, "phase de vote close", "phases de vote closes") == \
        "2 phases de vote closes"


def test_the_commands_english_counts_the_singular_for_one_only() -> None:
    assert [english_count(n, "line") for n in (0, 1, 2)] == ["0 lines", "1 line", "2 lines"]
    assert english_count(2, "process", "processes") == "2 processes"
