"""Back office: consultations and their phases."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.deps import Web


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    return router
