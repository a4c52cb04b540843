"""The moderation pages: a consultation's queue, items and campaigns, and its
charter (the back-office guard checks the roles)."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.moderation import charter, queue

router = APIRouter()
router.include_router(queue.router)
router.include_router(charter.router)
