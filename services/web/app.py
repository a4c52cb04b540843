"""Assembles the web front end: `install_web(app, deps)` adds its routes, static
files, security headers and French error pages to the runtime's FastAPI app;
`create_web_app(deps)` does the same on a fresh app (tests, bench)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from services.apikit.deps import Providers
from services.identity.service import IdentityPorts
from services.web import (
    account,
    backoffice,
    deposit,
    errors,
    moderation,
    public,
    search,
    synthesis,
    vote,
)
from services.web.account import providers as account_providers
from services.web.backoffice.guard import BackOfficeGuard
from services.web.deps import Web, WebDeps
from services.web.deps import install as install_deps
from services.web.headers import SecurityHeaders, content_security_policy
from services.web.page_cache import CachePolicy, PublicPages
from services.web.passwords import hash_password
from services.web.public.legal import FOOTER
from services.web.rendering import build_environment
from services.web.security import Csrf, Sessions
from services.web.session_gate import SessionGate
from services.web.settings import WebSettings
from services.web.throttle import LoginThrottle

# The packages of pages. No two routes match the same path
# (tests/unit/test_web_routes.py): their order changes nothing.
PAGES = (public, account, deposit, vote, moderation, search, synthesis, backoffice)
STATIC = Path(__file__).parent / "static"
log = logging.getLogger("parlons.web")



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
    env = build_environment({"site_name": settings.site_name, "footer_links": FOOTER,
                             "video_framed": settings.frames_video})
    secure = settings.cookies_secure
    return Web(deps=deps, env=env, sessions=Sessions(secret, settings.session_hours, secure=secure),
               csrf=Csrf(secret, secure=secure), admin_password_hash=_admin_hash(deps),
               login_throttle=LoginThrottle(secret))


def web_csp(settings: WebSettings) -> str:
    """The pages' Content-Security-Policy: map tiles and video players named."""
    tiles = [settings.tile_url.split("/{")[0]] if settings.tile_url else []
    return content_security_policy(img_sources=tiles,
                                   frame_sources=settings.video_frame_sources)


def install_web(app: FastAPI, deps: WebDeps, providers: Providers | None = None, *,
                headers: bool = True) -> Web:
    """Every page of the front end, the one way: each package's router, the
    back-office guard, the security headers, the static files and the error
    pages. `providers`: the JSON APIs' providers of who is acting, filled here
    from the same session cookie when the identity service is there.
    `headers=False`: the caller puts `SecurityHeaders` outermost itself (the
    runtime's app, so that its own answers carry them too)."""
    web = build_web(deps)
    if providers is not None:
        web.providers = providers
    install_deps(app, web)
    for package in PAGES:
        app.include_router(package.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if deps.port("identity", IdentityPorts) is not None and deps.bus is not None:
        account_providers.provide(web, web.providers)
    errors.install(app)
    # Added innermost first: the guard checks every /admin path before its route;
    # the security headers wrap everything, the guard's redirects and 403 included.
    app.add_middleware(BackOfficeGuard, web=web)
    # Outside the guard: a revoked session is gone before anything reads it (ADR 0041).
    app.add_middleware(SessionGate, web=web)
    # Outside the gate: an anonymous page kept here costs no routing, reads nor
    # rendering; a request with a session goes on and is answered private (ADR 0071).
    settings = deps.settings
    app.add_middleware(PublicPages, store=lambda: web.store, session_cookie=web.sessions.cookie,
                       policy=CachePolicy(settings.page_max_age,
                                          settings.page_stale_while_revalidate,
                                          settings.page_cache_entries))
    if headers:
        app.add_middleware(SecurityHeaders, csp=web_csp(deps.settings),
                           hsts=deps.settings.cookies_secure)
    return web


def create_web_app(deps: WebDeps) -> FastAPI:
    """The front end alone on a fresh app (tests, bench)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    install_web(app, deps)
    return app
