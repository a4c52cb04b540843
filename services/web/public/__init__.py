"""The public pages of a consultation: home, consultation, articles, documents,
videos, meetings, minutes, commissions (cacheable, no JavaScript needed)."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.public import pages

router = APIRouter()
router.include_router(pages.router)
