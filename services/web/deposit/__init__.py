"""The participation pages: proposals, arguments, comments, questionnaire answers,
a participant's own contributions."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.deposit import forms, pages

router = APIRouter()
router.include_router(forms.router)
router.include_router(pages.router)
