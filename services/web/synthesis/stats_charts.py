"""Server-rendered SVG bars for closed-question figures, in the style of
vote_charts.py: presentation attributes only (no inline style, no script), so
the strict CSP holds; a <title> per bar and an aria-label for screen readers.
Literal templates, every value escaped by markupsafe."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from services.web.rendering import french_number

WIDTH, BAR_H, GAP, LABEL_W = 480, 18, 8, 180
FILL, TRACK = "#000091", "#eeeeee"  # DSFR "bleu France" on a light grey track


def option_bars(rows: Sequence[tuple[str, int, float]]) -> Markup:
    """One horizontal bar per option: (label, count, percent of respondents)."""
    height = max(1, len(rows)) * (BAR_H + GAP)
    bar_w = WIDTH - LABEL_W - 70
    parts = []
    for i, (label, count, pct) in enumerate(rows):
        y = i * (BAR_H + GAP)
        short = label if len(label) <= 28 else label[:27] + "…"
        w = bar_w * min(max(pct, 0.0), 100.0) / 100.0
        parts.append(Markup(
            '<g><title>{text}</title>'
            '<text x="0" y="{ty}" font-size="12" fill="#161616">{short}</text>'
            '<rect x="{lw}" y="{y}" width="{bw}" height="{bh}" fill="{track}"/>'
            '<rect x="{lw}" y="{y}" width="{w:.1f}" height="{bh}" fill="{fill}"/>'
            '<text x="{px}" y="{ty}" font-size="12" fill="#161616">{pct}</text></g>'
        ).format(text=f"{label} : {french_number(count)} ({percent(pct)})", ty=y + 13,
                 short=short, lw=LABEL_W, y=y, bw=bar_w, bh=BAR_H, track=TRACK, w=w, fill=FILL,
                 px=LABEL_W + bar_w + 6, pct=percent(pct)))
    summary = "; ".join(f"{label} : {percent(pct)}" for label, _, pct in rows)
    return Markup('<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                  'viewBox="0 0 {w} {h}" role="img" aria-label="{summary}">{parts}</svg>'
                  ).format(w=WIDTH, h=height, summary=summary, parts=Markup("").join(parts))


def percent(value: float) -> str:
    """« 68,8 % », as the pages write a share (`number_fr`, a no-break space)."""
    return f"{french_number(value, 1)}\u00a0%"
