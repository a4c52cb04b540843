"""The search pages: public search and similar proposals, the analyst workspace."""

from __future__ import annotations

from fastapi import FastAPI

from services.web.deps import Web


def install(app: FastAPI, web: Web) -> None:
    from services.web.search import public, workspace

    app.include_router(public.routes(web))
    app.include_router(workspace.routes(web))
