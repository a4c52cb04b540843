"""OpenID Connect login (FranceConnect-compatible): see `routes`."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.identity_deps import IdentityWeb


def routes(iw: IdentityWeb) -> APIRouter:
    return APIRouter()
