"""Server-rendered SVG charts of the public synthesis: theme sizes (each bar a
link to the contributions behind it) and the evolution of a theme over time.
Presentation attributes only (no inline style, no script: the strict CSP holds);
literal templates whose every value markupsafe escapes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup

from services.web.rendering import count_fr, french_date

WIDTH, BAR_H, GAP, LABEL_W = 640, 22, 8, 260
COLOUR, EMPTY = "#000091", "#e5e5f4"
MAX_COLUMNS = 60


def theme_sizes(themes: Sequence[Mapping[str, Any]], link: Callable[[str], str]) -> Markup:
    """Horizontal bars, biggest first: label, bar, count; a bar links to its theme.
    A group of named links, not role="img": an image may not hold links (axe's
    nested-interactive, seen by the synthesis e2e test)."""
    if not themes:
        return Markup("")
    top = max(int(t["size"]) for t in themes) or 1
    span = WIDTH - LABEL_W - 60
    rows = []
    for i, t in enumerate(themes):
        y = i * (BAR_H + GAP)
        w = max(1.0, span * int(t["size"]) / top)
        rows.append(Markup(
            '<a href="{href}"><title>{label} : {count}</title>'
            '<text x="0" y="{ty}" font-size="13" fill="#161616">{short}</text>'
            '<rect x="{lw}" y="{y}" width="{w:.1f}" height="{bh}" fill="{colour}"/>'
            '<text x="{nx:.1f}" y="{ty}" font-size="13" fill="#161616">{n}</text></a>'
        ).format(href=link(str(t["theme_id"])), label=str(t["label"]), n=int(t["size"]),
                 count=count_fr(int(t["size"]), "contribution"),
                 ty=y + 15, short=_cut(str(t["label"])), lw=LABEL_W, y=y, w=w, bh=BAR_H,
                 colour=COLOUR, nx=LABEL_W + w + 6))
    height = len(themes) * (BAR_H + GAP)
    summary = "Taille des thèmes : " + ", ".join(f"{t['label']} {t['size']}" for t in themes)
    return Markup('<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                  'viewBox="0 0 {w} {h}" role="group" aria-label="{summary}">{rows}</svg>'
                  ).format(w=WIDTH, h=height, summary=summary, rows=Markup("").join(rows))


def evolution(per_day: Mapping[str, int], *, width: int = 300, height: int = 60) -> Markup:
    """Contributions per day (per week beyond 60 days), as columns."""
    if not per_day:
        return Markup("")
    days = sorted(per_day)
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    step = 1 if (last - first).days < MAX_COLUMNS else 7
    buckets: list[tuple[date, int]] = []
    d = first
    while d <= last:
        n = sum(per_day.get((d + timedelta(days=k)).isoformat(), 0) for k in range(step))
        buckets.append((d, n))
        d += timedelta(days=step)
    top = max(n for _, n in buckets) or 1
    w = width / len(buckets)
    unit = "jour" if step == 1 else "semaine du"
    cols = []
    for i, (start, n) in enumerate(buckets):
        h = (height - 2) * n / top
        cols.append(Markup(
            '<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}">'
            '<title>{unit} {day} : {n}</title></rect>'
        ).format(x=i * w, y=height - h, w=max(w - 1, 1), h=h, fill=COLOUR if n else EMPTY,
                 unit=unit, day=french_date(start), n=n))
    label = (f"Évolution : {sum(per_day.values())} contributions du {french_date(days[0])} "
             f"au {french_date(days[-1])}")
    return Markup('<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                  'viewBox="0 0 {w} {h}" role="img" aria-label="{label}">{cols}</svg>'
                  ).format(w=width, h=height, label=label, cols=Markup("").join(cols))


def _cut(label: str, n: int = 34) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"
