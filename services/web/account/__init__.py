"""A participant's account: registration, magic-link and OpenID Connect login,
anonymous sessions, the account page, data export and erasure (forms and
templates over the identity service's flows, `web.identity`); and the session
behind the JSON APIs (who participates, moderates, analyses)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from services.identity.ratelimit import RateLimited
from services.identity.service import IdentityPorts
from services.web.account import anonymous, login, oidc, pages, providers, refusals
from services.web.backoffice import team
from services.web.backoffice.guard import BackOfficeGuard
from services.web.deps import Web

router = APIRouter()
router.include_router(providers.router)
router.include_router(login.router)
router.include_router(anonymous.router)
router.include_router(pages.router)
router.include_router(oidc.router)


def install(app: FastAPI, web: Web) -> None:
    """Only with the identity service (and a bus to send its commands): an app
    without it has no accounts and knows nobody."""
    if web.deps.port("identity", IdentityPorts) is None or web.deps.bus is None:
        return
    app.add_middleware(BackOfficeGuard, web=web)
    providers.provide(web, web.providers)
    app.include_router(router)
    app.include_router(team.router)
    app.add_exception_handler(RateLimited, refusals.too_many)
    app.add_exception_handler(providers.AccessRefused, refusals.refused)
