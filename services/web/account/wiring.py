"""Binds the identity pages to the runtime's container: the `install` hook of
the "identity" service (services/runtime/bootstrap.py). Needs the web front end
installed first (same sessions and CSRF)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.apikit.state import Providers
from services.core.bus import Bus
from services.identity.limits import ActionGate
from services.identity.ratelimit import RateLimited
from services.identity.service import IdentityPorts
from services.territory import departement_of_postcode
from services.web.account import anonymous as identity_anonymous
from services.web.account import login as identity_login
from services.web.account import oidc as identity_oidc
from services.web.account import pages as account_routes
from services.web.account import providers as identity_contexts
from services.web.account.deps import IdentityWeb
from services.web.account.providers import AccessRefused
from services.web.backoffice import team as identity_admin
from services.web.backoffice.guard import BackOfficeGuard
from services.web.deps import Web
from services.web.rendering import private_page
from services.web.session import visitor

if TYPE_CHECKING:
    from fastapi import FastAPI


def install_identity_web(app: FastAPI, web: Web, ports: IdentityPorts, bus: Bus,
                         providers: Providers) -> IdentityWeb:
    """The identity pages, the back-office guard, and the JSON APIs' providers of
    who is acting (participant, moderator, analyst), the contribution rate limit
    and the participant's territory, all read from the same session cookie."""
    iw = IdentityWeb(web=web, ports=ports, handle=bus.handle)
    app.add_middleware(BackOfficeGuard, web=web)

    def session_participant(request: Request) -> str | None:
        who = visitor(web, request)
        return who.id if who is not None else None

    providers.limit_contribution = ActionGate(ports.limiter, ports.settings,
                                              session_participant).check
    identity_contexts.provide(web, providers)
    providers.territory = partial(participant_territory, ports)
    app.include_router(identity_contexts.session_routes(web))
    app.include_router(identity_login.routes(iw))
    app.include_router(identity_anonymous.routes(iw))
    app.include_router(account_routes.routes(iw))
    app.include_router(identity_admin.routes(iw))
    app.include_router(identity_oidc.routes(iw))

    async def too_many(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimited)
        if request.url.path.startswith("/api/"):  # the JSON API's error shape (ADR 0007)
            return JSONResponse({"error": "rate_limited", "message": "Trop de demandes en peu "
                                 f"de temps. Réessayez dans {exc.retry_after} secondes.",
                                 "field": None},
                                status_code=429,
                                headers={"Retry-After": str(exc.retry_after)})
        response = private_page(request, web.env, "error.html", {
            "heading": "Trop de tentatives",
            "message": f"Trop de demandes en peu de temps. Réessayez dans {exc.retry_after} "
                       "secondes."}, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AccessRefused)
        if request.url.path.startswith("/api/"):
            return identity_contexts.refusal_json(exc)
        return private_page(request, web.env, "error.html", {
            "heading": "Connexion requise" if exc.status == 401 else "Accès refusé",
            "message": exc.message}, status=exc.status)

    app.add_exception_handler(RateLimited, too_many)
    app.add_exception_handler(AccessRefused, refused)
    return iw


async def participant_territory(ports: IdentityPorts, participant_id: str) -> str:
    """The département of a participant's postcode (vault profile), "" when none:
    what questionnaire responses record for territory statistics (ADR 0025)."""
    profile = await ports.vault.profile(participant_id) or {}
    postcode = str(profile.get("postcode") or "")
    return departement_of_postcode(postcode) if postcode else ""
