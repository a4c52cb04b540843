"""JSON API of closed-question statistics, for analysts (analyst, organiser or
admin role on the consultation; the platform admin):

- `GET /api/synthesis/{consultation_id}/questionnaires/{questionnaire_id}/statistiques`:
  counts and percentages per option of every closed question, overall and by
  identity level, département and région (see read.py). Unknown consultation or
  questionnaire: 404 in the JSON error shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.identity.contexts import Analyst
from services.runtime.http import ContainerDep
from services.synthesis.stats.read import closed_question_stats


def router() -> APIRouter:
    r = APIRouter(prefix="/api/synthesis", tags=["synthesis"])

    @r.get("/{consultation_id}/questionnaires/{questionnaire_id}/statistiques")
    async def statistics(consultation_id: str, questionnaire_id: str, who: Analyst,
                         container: ContainerDep) -> dict[str, Any]:
        return await closed_question_stats(container.store, consultation_id, questionnaire_id)

    return r
