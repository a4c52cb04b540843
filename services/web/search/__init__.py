"""The search pages: public search and similar proposals, the analyst workspace."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from services.web.deps import Web
from services.web.search import public, workspace

router = APIRouter()
router.include_router(public.router)
router.include_router(workspace.router)


def install(app: FastAPI, web: Web) -> None:
    app.include_router(router)
