"""The synthesis pages: the public synthesis and follow-up, the analyst's theme
runs, the organiser's follow-up, closed-question statistics and open-data
publication, opinion groups and the upload of a Pol.is export; a consultation's
participation."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.synthesis import (
    followup,
    opinion_groups,
    pages,
    participation_pages,
    polis_upload,
    runs,
    stats_pages,
)

router = APIRouter()
router.include_router(pages.router)
router.include_router(runs.router)
router.include_router(followup.router)
router.include_router(stats_pages.router)
router.include_router(participation_pages.router)
router.include_router(opinion_groups.admin)
router.include_router(opinion_groups.public)
router.include_router(polis_upload.router)
