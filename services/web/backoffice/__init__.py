"""The back office: the bootstrap admin's login, consultations, their content,
phases and items, the team, and the guard that checks every `/admin` path."""

from __future__ import annotations

from fastapi import FastAPI

from services.web.deps import Web


def install(app: FastAPI, web: Web) -> None:
    from services.web.backoffice import auth, consultations, content, items

    app.include_router(auth.routes(web))
    app.include_router(consultations.routes(web))
    app.include_router(content.routes(web))
    app.include_router(items.routes(web))
