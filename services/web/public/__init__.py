"""The public pages of a consultation: home, consultation, articles, documents,
videos, meetings, minutes, commissions (cacheable, no JavaScript needed)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from services.web.deps import Web
from services.web.public import pages

router = APIRouter()
router.include_router(pages.router)


def install(app: FastAPI, web: Web) -> None:
    app.include_router(router)
