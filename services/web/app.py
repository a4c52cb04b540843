"""Assembles the web front end: `install_web(app, deps)` adds its routes, static
files, security headers and French error pages to the runtime's FastAPI app;
`create_web_app(deps)` does the same on a fresh app (tests, bench)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from services.apikit.state import Providers
from services.identity.service import IdentityPorts
from services.web import (
    admin_auth,
    admin_consultations,
    admin_content,
    admin_items,
    deposit_forms,
    deposit_pages,
    public,
    search_pages,
    search_public,
    synthesis_admin,
    synthesis_pages,
    synthesis_stats_pages,
    vote_pages,
)
from services.web.deps import Web, WebDeps
from services.web.forms import LoginRequired
from services.web.headers import SecurityHeaders, content_security_policy
from services.web.identity_wiring import install_identity_web
from services.web.passwords import hash_password
from services.web.rendering import build_environment, public_page
from services.web.security import Csrf, Sessions

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("parlons.web")

# Video players are framed only after the visitor clicks (see templates/_video.html).
VIDEO_FRAME_SOURCES = ("https://www.youtube-nocookie.com", "https://player.vimeo.com",
                       "https://www.dailymotion.com", "https:")


def _admin_hash(deps: WebDeps) -> str:
    settings = deps.settings
    if settings.admin_password_hash:
        return settings.admin_password_hash
    if settings.is_development:
        password = secrets.token_urlsafe(12)
        # Development only: nobody configured a password, so we make one and say it.
        log.warning("Espace organisateur : utilisateur %r, mot de passe de développement %s",
                    settings.admin_user, password)
        print(f"Espace organisateur : {settings.admin_user} / {password}", flush=True)
        return hash_password(password)
    return ""  # no login possible: there is no default password outside development


def build_web(deps: WebDeps) -> Web:
    settings = deps.settings
    secret = settings.resolved_secret()
    env = build_environment({"site_name": settings.site_name})
    secure = settings.cookies_secure
    return Web(deps=deps, env=env, sessions=Sessions(secret, settings.session_hours, secure=secure),
               csrf=Csrf(secret, secure=secure), admin_password_hash=_admin_hash(deps))


def install_web(app: FastAPI, deps: WebDeps, providers: Providers | None = None) -> Web:
    """Every page of the front end. `providers`: the JSON APIs' providers of who
    is acting, which the identity pages fill from the same session cookie."""
    web = build_web(deps)
    if providers is not None:
        web.providers = providers
    app.state.parlons_web = web
    tiles = [deps.settings.tile_url.split("/{")[0]] if deps.settings.tile_url else []
    app.add_middleware(
        SecurityHeaders,
        csp=content_security_policy(img_sources=tiles, frame_sources=VIDEO_FRAME_SOURCES),
        hsts=deps.settings.cookies_secure,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Before `public`: its /consultations/{slug}/{kind} would take /synthese.
    app.include_router(synthesis_pages.routes(web))
    app.include_router(synthesis_admin.routes(web))
    # Before `public`: its /consultations/{slug}/{kind} would take /propositions.
    # Search first: /propositions/similaires is not a proposal id.
    app.include_router(search_public.routes(web))
    app.include_router(search_pages.routes(web))
    app.include_router(deposit_forms.routes(web))
    app.include_router(deposit_pages.routes(web))
    app.include_router(public.routes(web))
    app.include_router(admin_auth.routes(web))
    app.include_router(admin_consultations.routes(web))
    app.include_router(admin_content.routes(web))
    app.include_router(admin_items.routes(web))
    identity = deps.port("identity", IdentityPorts)
    if identity is not None and deps.bus is not None:
        install_identity_web(app, web, identity, deps.bus, web.providers)
    app.include_router(vote_pages.routes(web))
    app.include_router(synthesis_stats_pages.routes(web, deps.data_dir / "opendata"))

    async def login_required(request: Request, exc: Exception) -> Response:
        return RedirectResponse(f"/admin/connexion?suite={request.url.path}", status_code=303)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith("/api/"):  # the JSON API keeps its JSON errors
            return await http_exception_handler(request, exc)
        if exc.status_code == 404:
            return public_page(request, web.env, "404.html", {}, status=404)
        heading = {403: "Action refusée", 405: "Méthode non autorisée"}.get(
            exc.status_code, "Erreur")
        message = exc.detail if exc.status_code == 403 else "La requête n'a pas pu aboutir."
        return public_page(request, web.env, "error.html",
                           {"heading": heading, "message": message}, status=exc.status_code)

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(HTTPException, http_error)
    return web


def create_web_app(deps: WebDeps) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    install_web(app, deps)
    return app
