"""JSON API of closed-question statistics, for whoever the identity service's role
policy lets analyse the consultation (and the platform admin):

- `GET /api/synthesis/{consultation_id}/questionnaires/{questionnaire_id}/statistiques`:
  counts and percentages per option of every closed question, overall and by
  identity level, département and région (see read.py). Unknown consultation or
  questionnaire: 404 in the JSON error shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from services.apikit.deps import Analyst, StoreDep
from services.synthesis.stats.read import closed_question_stats

router = APIRouter(prefix="/api/synthesis", tags=["synthesis"])


@router.get("/{consultation_id}/questionnaires/{questionnaire_id}/statistiques")
async def statistics(consultation_id: str, questionnaire_id: str, who: Analyst,
                     store: StoreDep) -> dict[str, Any]:
    if not who.may_read(consultation_id):
        raise HTTPException(403, "Réservé aux analystes de la consultation.")
    return await closed_question_stats(store, consultation_id, questionnaire_id)
