"""The opinion map as a server-rendered SVG: one circle per participant,
coloured by group through classes (no inline style or script, so a strict CSP
without unsafe-inline accepts it), with a French title and description. The
participants with too few votes to be grouped are drawn too, smaller, in the
class `groupe-aucun`."""

from __future__ import annotations

from html import escape

import numpy as np

from services.synthesis.groups.clustering import GroupMap

SIZE = 400
MARGIN = 20
GROUP_NAMES = "ABCDE"


def opinion_map_svg(groups: GroupMap, *, title: str = "Carte des opinions") -> str:
    coords = np.vstack([groups.coords, groups.other_coords])
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    xy = MARGIN + (coords - low) / span * (SIZE - 2 * MARGIN)
    sizes = np.bincount(groups.labels, minlength=groups.k)
    summary = ", ".join(f"groupe {GROUP_NAMES[g]} : {sizes[g]} participants"
                        for g in range(groups.k))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'role="img" aria-labelledby="carte-titre carte-desc" class="carte-opinions">',
        f'<title id="carte-titre">{escape(title)}</title>',
        f'<desc id="carte-desc">{len(groups.participants)} participants en '
        f'{groups.k} groupes ({escape(summary)}), {len(groups.others)} sans groupe '
        f'(moins de votes que le seuil).</desc>',
    ]
    grouped, others = xy[:len(groups.coords)], xy[len(groups.coords):]
    if len(others):
        parts.append('<g class="groupe groupe-aucun">')
        parts.extend(f'<circle cx="{x:.1f}" cy="{SIZE - y:.1f}" r="1.5"/>' for x, y in others)
        parts.append("</g>")
    for g in range(groups.k):
        parts.append(f'<g class="groupe groupe-{GROUP_NAMES[g].lower()}">')
        for x, y in grouped[groups.labels == g]:
            parts.append(f'<circle cx="{x:.1f}" cy="{SIZE - y:.1f}" r="3"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)
