"""What a proposal's public page says of it as a participatory budget project
(ADR 0067): its cost and envelope, and its implementation follow-up, read from
the organiser's follow-up responses linked to it (synthesis follow-up, reused:
« À l'étude », « En cours », « Réalisée »...)."""

from __future__ import annotations

from typing import Any

from services.store.port import ReadStore
from services.synthesis.followup.model import STATUSES
from services.synthesis.queries import follow_up_responses
from services.vote import budget
from services.vote.projections import BUDGET, BUDGET_KEY


async def project_of(store: ReadStore, consultation_id: str, proposal_id: str
                     ) -> dict[str, Any] | None:
    """{cost, envelope, followup: [{title, status, at}]} or None when the
    proposal is not a project of the consultation's budget."""
    doc = await store.get(BUDGET, consultation_id, BUDGET_KEY)
    cost = (doc or {}).get("costs", {}).get(proposal_id)
    if doc is None or cost is None:
        return None
    envelope = doc["envelopes"].get(cost["envelope_id"]) or {"territory": ""}
    # every response (the first 200 by id were read: a later one linked to the
    # project was missing once there were more), the latest first
    responses = [r for r in await follow_up_responses(store, consultation_id)
                 if proposal_id in r.get("proposal_ids", ())]
    return {"cost": budget.euros(cost["cost"]),
            "envelope": envelope["territory"] or "Toute la consultation",
            "followup": [{"title": r["title"], "status": STATUSES.get(r["status"], r["status"]),
                          "at": (r.get("history") or [{}])[-1].get("at", r["published_at"])}
                         for r in responses]}
