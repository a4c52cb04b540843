"""What a proposal's public page says of it as a participatory budget project
(ADR 0067): its cost and envelope, and its implementation follow-up, read from
the organiser's follow-up responses linked to it (synthesis follow-up, reused:
« À l'étude », « En cours », « Réalisée »...)."""

from __future__ import annotations

from typing import Any

from services.store.port import ReadStore
from services.synthesis.followup.model import STATUSES
from services.synthesis.followup.tables import RESPONSES
from services.vote import budget
from services.vote.projections import BUDGET, BUDGET_KEY

RESPONSES_READ = 200  # the follow-up page lists as many


async def project_of(store: ReadStore, consultation_id: str, proposal_id: str
                     ) -> dict[str, Any] | None:
    """{cost, envelope, followup: [{title, status, at}]} or None when the
    proposal is not a project of the consultation's budget."""
    doc = await store.get(BUDGET, consultation_id, BUDGET_KEY)
    cost = (doc or {}).get("costs", {}).get(proposal_id)
    if doc is None or cost is None:
        return None
    envelope = doc["envelopes"].get(cost["envelope_id"]) or {"territory": ""}
    responses = [d for _, d in await store.list(RESPONSES, consultation_id,
                                                limit=RESPONSES_READ)
                 if proposal_id in d.get("proposal_ids", ())]
    responses.sort(key=lambda r: r["published_at"], reverse=True)
    return {"cost": budget.euros(cost["cost"]),
            "envelope": envelope["territory"] or "Toute la consultation",
            "followup": [{"title": r["title"], "status": STATUSES.get(r["status"], r["status"]),
                          "at": (r.get("history") or [{}])[-1].get("at", r["published_at"])}
                         for r in responses]}
