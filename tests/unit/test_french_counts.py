"""Counts in the pages' French: the singular below two (« 0 vote », « 1 vote »),
the plural from two, thousands grouped as `number_fr` groups them. The pages said
« vote(s) », « contribution(s) », « 1 ligne(s) écartée(s) »."""

from __future__ import annotations

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
