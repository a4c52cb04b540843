"""What a publication of opinion groups holds, from an analysis: plain data,
statement texts included, no participant id."""

from __future__ import annotations

from typing import Any

from services.synthesis.groups.analysis import OpinionAnalysis
from services.synthesis.groups.svgmap import map_points
from services.synthesis.opinions import OpinionBook

BODY_SHOWN = 1000  # characters of a statement kept in a publication


def snapshot(book: OpinionBook, analysis: OpinionAnalysis,
             titles: dict[str, str] | None = None) -> dict[str, Any]:
    """`titles`: statement id -> text for statements without a body of their own
    (a consultation's voted items)."""
    names = titles or {}

    def statement(statement_id: str, direction: str, probability: float) -> dict[str, Any]:
        s = book.statements[statement_id]
        return {"statement_id": statement_id, "number": s.number,
                "body": (s.body or names.get(statement_id, ""))[:BODY_SHOWN],
                "direction": direction, "probability": round(probability, 4)}

    groups = analysis.groups
    sizes = [int((groups.labels == g).sum()) for g in range(groups.k)]
    voters = len({participant for participant, _ in book.latest()})
    placed = len(groups.participants) + len(groups.others)
    return {
        "consultation_id": book.consultation_id,
        "participants": len(groups.participants), "ungrouped": len(groups.others),
        # voted only on statements left out (moderated out, meta, hidden): neither
        # grouped nor on the map, counted so that the numbers add up to the voters'
        "set_aside": voters - placed,
        "statements": len(groups.matrix.statements),
        "groups": [{"size": sizes[g], "representative": [
            statement(r.statement_id, r.direction, r.p_in) for r in analysis.representative[g]]}
            for g in range(groups.k)],
        "consensus": [statement(c.statement_id, c.direction, c.probability)
                      for c in analysis.consensus],
        "points": [[x, y, g] for x, y, g in map_points(groups)],
    }
