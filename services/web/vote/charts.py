"""Server-rendered SVG bar charts for vote results: plain markup with
presentation attributes (no inline style or script, so the strict CSP holds),
built from literal templates whose every value markupsafe escapes (no
`Markup()` over a string built by hand)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from services.web.rendering import french_number

RANKED_MAX = 50  # rows of the ranking table on the results page

COLOURS = {"agree": "#18753c", "disagree": "#ce0500", "neutral": "#666666"}
LABELS = {"agree": "d'accord", "disagree": "pas d'accord", "neutral": "neutre"}
WIDTH, BAR_H = 300, 18


def agree_bar(agree: int, disagree: int, neutral: int) -> Markup:
    """One stacked horizontal bar (agree | neutral | disagree), with a title per part."""
    total = agree + disagree + neutral
    parts, x = [], 0.0
    for key, n in (("agree", agree), ("neutral", neutral), ("disagree", disagree)):
        if not n:
            continue
        w = WIDTH * n / total
        parts.append(Markup('<rect x="{:.1f}" y="0" width="{:.1f}" height="{}" fill="{}">'
                            '<title>{} : {}</title></rect>').format(
            x, w, BAR_H, COLOURS[key], LABELS[key], french_number(n)))
        x += w
    if not parts:
        parts.append(Markup('<rect x="0" y="0" width="{}" height="{}" fill="#eeeeee"/>'
                            ).format(WIDTH, BAR_H))
    label = (f"{french_number(agree)} d'accord, {french_number(neutral)} neutres, "
             f"{french_number(disagree)} pas d'accord")
    return Markup('<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                  'viewBox="0 0 {w} {h}" role="img" aria-label="{label}">{parts}</svg>'
                  ).format(w=WIDTH, h=BAR_H, label=label, parts=Markup("").join(parts))


def shares(by_level: dict[str, int]) -> list[tuple[str, int, float]]:
    """(level, votes, percent) sorted by level name; percent of all votes."""
    total = sum(by_level.values())
    return [(lvl, n, 100.0 * n / total) for lvl, n in sorted(by_level.items())] if total else []


def ranking_rows(ranking: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Items of a RANKING_TALLY by Borda points (then first choices, then id), with
    their first-choice count; at most RANKED_MAX rows."""
    if not ranking or not ranking.get("ballots"):
        return []
    borda, first = ranking["borda"], ranking["first"]
    order = sorted(borda, key=lambda i: (-borda[i], -first.get(i, 0), i))[:RANKED_MAX]
    return [{"item_id": i, "borda": borda[i], "first": first.get(i, 0)} for i in order]
