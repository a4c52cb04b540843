"""The participation pages: proposals, arguments, comments, questionnaire answers,
a participant's own contributions and what they may do to one (flag, edit,
withdraw, appeal)."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.deposit import actions, forms, pages

router = APIRouter()
router.include_router(forms.router)
router.include_router(pages.router)
router.include_router(actions.router)
