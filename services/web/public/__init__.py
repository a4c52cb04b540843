"""The public pages of a consultation: home, consultation, articles, documents,
videos, meetings, minutes, commissions (cacheable, no JavaScript needed), and the
legal pages of the footer."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.public import legal, meetings, my_meetings, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(meetings.router)
router.include_router(my_meetings.router)
router.include_router(legal.router)
