"""Server-rendered SVG charts of the public synthesis: theme sizes (each bar a
link to the contributions behind it) and the evolution of a theme over time.
Presentation attributes only (no inline style, no script: the strict CSP holds);
every text is escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from html import escape
from typing import Any

WIDTH, BAR_H, GAP, LABEL_W = 640, 22, 8, 260
COLOUR, EMPTY = "#000091", "#e5e5f4"
MAX_COLUMNS = 60


def theme_sizes(themes: Sequence[Mapping[str, Any]], link: Callable[[str], str]) -> str:
    """Horizontal bars, biggest first: label, bar, count; a bar links to its theme.
    A group of named links, not role="img": an image may not hold links (axe's
    nested-interactive, seen by the synthesis e2e test)."""
    if not themes:
        return ""
    top = max(int(t["size"]) for t in themes) or 1
    span = WIDTH - LABEL_W - 60
    rows = []
    for i, t in enumerate(themes):
        y = i * (BAR_H + GAP)
        w = max(1.0, span * int(t["size"]) / top)
        label, n = escape(str(t["label"])), int(t["size"])
        rows.append(
            f'<a href="{escape(link(str(t["theme_id"])))}">'
            f'<title>{label} : {n} contribution(s)</title>'
            f'<text x="0" y="{y + 15}" font-size="13" fill="#161616">'
            f'{escape(_cut(str(t["label"])))}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{COLOUR}"/>'
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 15}" font-size="13" '
            f'fill="#161616">{n}</text></a>')
    height = len(themes) * (BAR_H + GAP)
    summary = escape("Taille des thèmes : " + ", ".join(
        f"{t['label']} {t['size']}" for t in themes))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="group" aria-label="{summary}">'
            + "".join(rows) + "</svg>")


def evolution(per_day: Mapping[str, int], *, width: int = 300, height: int = 60) -> str:
    """Contributions per day (per week beyond 60 days), as columns."""
    if not per_day:
        return ""
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
        cols.append(f'<rect x="{i * w:.1f}" y="{height - h:.1f}" width="{max(w - 1, 1):.1f}" '
                    f'height="{h:.1f}" fill="{COLOUR if n else EMPTY}"><title>{unit} '
                    f'{start.isoformat()} : {n}</title></rect>')
    label = escape(f"Évolution : {sum(per_day.values())} contributions du {days[0]} au "
                   f"{days[-1]}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
            + "".join(cols) + "</svg>")


def _cut(label: str, n: int = 34) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"
