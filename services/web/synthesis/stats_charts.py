"""Server-rendered SVG bars for closed-question figures, in the style of
vote_charts.py: presentation attributes only (no inline style, no script), so
the strict CSP holds; a <title> per bar and an aria-label for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, BAR_H, GAP, LABEL_W = 480, 18, 8, 180
FILL, TRACK = "#000091", "#eeeeee"  # DSFR "bleu France" on a light grey track


def option_bars(rows: Sequence[tuple[str, int, float]]) -> str:
    """One horizontal bar per option: (label, count, percent of respondents)."""
    height = max(1, len(rows)) * (BAR_H + GAP)
    bar_w = WIDTH - LABEL_W - 70
    parts = []
    for i, (label, count, pct) in enumerate(rows):
        y = i * (BAR_H + GAP)
        text = escape(f"{label} : {count} ({pct:.1f} %)")
        short = escape(label if len(label) <= 28 else label[:27] + "…")
        w = bar_w * min(max(pct, 0.0), 100.0) / 100.0
        parts.append(
            f'<g><title>{text}</title>'
            f'<text x="0" y="{y + 13}" font-size="12" fill="#161616">{short}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{bar_w}" height="{BAR_H}" fill="{TRACK}"/>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{FILL}"/>'
            f'<text x="{LABEL_W + bar_w + 6}" y="{y + 13}" font-size="12" '
            f'fill="#161616">{pct:.1f} %</text></g>')
    summary = escape("; ".join(f"{label} : {pct:.1f} %" for label, _, pct in rows))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{summary}">'
            + "".join(parts) + "</svg>")
