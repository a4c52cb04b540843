"""The search pages: public search and similar proposals, the analyst workspace."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.search import public, workspace

router = APIRouter()
router.include_router(public.router)
router.include_router(workspace.router)
