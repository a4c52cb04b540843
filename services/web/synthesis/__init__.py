"""The synthesis pages: the public synthesis and follow-up, the analyst's theme
runs, the organiser's follow-up, closed-question statistics and open-data
publication."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from services.web.deps import Web
from services.web.synthesis import followup, pages, runs, stats_pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(runs.router)
router.include_router(followup.router)
router.include_router(stats_pages.router)


def install(app: FastAPI, web: Web) -> None:
    app.include_router(router)
