"""A participant's account: registration, magic-link and OpenID Connect login,
anonymous sessions, the account page, the profile's changes, data export and erasure (forms and
templates over the identity service's flows, `web.identity`); and the session
behind the JSON APIs (who participates, moderates, analyses)."""

from __future__ import annotations

from fastapi import APIRouter

from services.web.account import anonymous, login, oidc, pages, profile, providers

router = APIRouter()
router.include_router(providers.router)
router.include_router(login.router)
router.include_router(anonymous.router)
router.include_router(pages.router)
router.include_router(profile.router)
router.include_router(oidc.router)
