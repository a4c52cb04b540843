"""The vote pages: the sequence, a participant's ballots, rankings, the
participatory budget ballot, results and their methodology, the recount page of
the back office."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.vote import budget, pages, ranking, recount_page

router = APIRouter()
router.include_router(pages.router)
router.include_router(ranking.router)
router.include_router(budget.router)
router.include_router(recount_page.router)
