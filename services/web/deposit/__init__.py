"""The participation pages: proposals, arguments, comments, questionnaire answers,
a participant's own contributions."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from services.web.deposit import forms, pages
from services.web.deps import Web

router = APIRouter()
router.include_router(forms.router)
router.include_router(pages.router)


def install(app: FastAPI, web: Web) -> None:
    app.include_router(router)
