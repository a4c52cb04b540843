"""Public pages: the same bytes for everyone, cacheable (ETag), usable without
JavaScript, a constant number of store queries whatever the number of items."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from services.web import views
from services.web.deps import Web
from services.web.rendering import public_page


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    store = web.deps.store

    def page(request: Request, template: str, **context: object) -> Response:
        return public_page(request, web.env, template, context)

    @router.get("/")
    async def home(request: Request) -> Response:
        return page(request, "home.html", **await views.home(store))

    @router.get("/consultations/{slug}")
    async def consultation(request: Request, slug: str) -> Response:
        found = await views.consultation_page(store, slug)
        if found is None:
            raise HTTPException(404)
        return page(request, "consultation.html", **found)

    return router
