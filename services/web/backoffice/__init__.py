"""The back office: the bootstrap admin's login, consultations, their content,
phases and items, commissions renamed and removed, the participatory budget, a
meeting's attendance list, the contribution policy, the team, and the guard that
checks every `/admin` path."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.backoffice import (
    attendance,
    auth,
    budget,
    commissions,
    consultations,
    content,
    items,
    policy,
    questionnaire_import,
    team,
)

router = APIRouter()
router.include_router(auth.router)
router.include_router(consultations.router)
router.include_router(content.router)
router.include_router(attendance.router)
router.include_router(questionnaire_import.router)
router.include_router(items.router)
router.include_router(commissions.router)
router.include_router(budget.router)
router.include_router(policy.router)
router.include_router(team.router)
