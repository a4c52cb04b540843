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
from services.web import (
    account,
    backoffice,
    deposit,
    moderation,
    public,
    search,
    synthesis,
    vote,
)
from services.web.deps import Web, WebDeps
from services.web.deps import install as install_deps
from services.web.forms import LoginRequired
from services.web.headers import SecurityHeaders, content_security_policy
from services.web.passwords import hash_password
from services.web.rendering import build_environment, public_page
from services.web.security import Csrf, Sessions

# Each package of pages installs its routes (order: until every page route is
# unambiguous, synthesis, search and deposit go before public's generic lists).
PAGES = (synthesis, search, deposit, public, backoffice, account, moderation, vote)
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
    install_deps(app, web)
    tiles = [deps.settings.tile_url.split("/{")[0]] if deps.settings.tile_url else []
    app.add_middleware(
        SecurityHeaders,
        csp=content_security_policy(img_sources=tiles, frame_sources=VIDEO_FRAME_SOURCES),
        hsts=deps.settings.cookies_secure,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for package in PAGES:
        package.install(app, web)

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
