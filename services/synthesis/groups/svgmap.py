"""The opinion map as a server-rendered SVG: one circle per participant,
coloured by group through classes (no inline style or script, so a strict CSP
without unsafe-inline accepts it), with a French title and description. The
participants with too few votes to be grouped are drawn too, smaller, in the
class `groupe-aucun`. Beyond `MAX_POINTS` participants a regular sample is drawn
(a 400-pixel map shows no more), so a published map stays small."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

from services.synthesis.groups.clustering import GroupMap

SIZE = 400
MARGIN = 20
GROUP_NAMES = "ABCDE"
MAX_POINTS = 3000
NO_GROUP = -1


def map_points(groups: GroupMap, *, limit: int = MAX_POINTS) -> list[tuple[float, float, int]]:
    """(x, y, group) in map pixels, group -1 for the ungrouped; at most `limit`."""
    coords = np.vstack([groups.coords, groups.other_coords])
    labels = np.concatenate([groups.labels, np.full(len(groups.other_coords), NO_GROUP)])
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    xy = MARGIN + (coords - low) / span * (SIZE - 2 * MARGIN)
    step = max(1, -(-len(xy) // limit))
    return [(round(float(x), 1), round(float(SIZE - y), 1), int(g))
            for (x, y), g in zip(xy[::step], labels[::step], strict=True)]


def opinion_map_svg(groups: GroupMap, *, title: str = "Carte des opinions") -> str:
    sizes = np.bincount(groups.labels, minlength=groups.k).tolist()
    return points_svg(map_points(groups), sizes, len(groups.others), title=title)


def points_svg(points: Sequence[Sequence[float]], sizes: Sequence[int], others: int, *,
               title: str = "Carte des opinions") -> str:
    summary = ", ".join(f"groupe {GROUP_NAMES[g]} : {n} participants"
                        for g, n in enumerate(sizes))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'role="img" aria-labelledby="carte-titre carte-desc" class="carte-opinions">',
        f'<title id="carte-titre">{escape(title)}</title>',
        f'<desc id="carte-desc">{sum(sizes)} participants en {len(sizes)} groupes '
        f'({escape(summary)}), {others} sans groupe (moins de votes que le seuil).</desc>',
    ]
    for g in (NO_GROUP, *range(len(sizes))):
        name, radius = ("aucun", 1.5) if g == NO_GROUP else (GROUP_NAMES[g].lower(), 3)
        circles = [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}"/>'
                   for x, y, label in points if label == g]
        if circles:
            parts += [f'<g class="groupe groupe-{name}">', *circles, "</g>"]
    parts.append("</svg>")
    return "\n".join(parts)
