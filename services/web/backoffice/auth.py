"""Login and logout of the bootstrap admin: the account configured in settings.
It holds the admin role on every consultation; everyone else logs in as a
participant (magic link, OpenID Connect) and gets roles per consultation
(services/web/backoffice/guard.py checks them)."""

from __future__ import annotations

import asyncio
import hmac

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.identity.queries import admin_subject, session_generation
from services.identity.ratelimit import RateLimited
from services.web.authz import PUBLIC_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.passwords import verify_password
from services.web.session import end_session

router = APIRouter()
# Hashed when no password is configured, so that a refusal takes the same time.
UNUSABLE_HASH = ("scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")


def _safe_next(target: str) -> str:
    # Only local back-office paths: never an open redirect.
    return target if target.startswith("/admin") and "//" not in target else "/admin"


@router.get("/admin/connexion")
async def login_form(request: Request, web: WebDep, suite: str = "/admin") -> Response:
    return admin_page(web, request, "backoffice/login.html", {"suite": _safe_next(suite),
                      "configured": bool(web.admin_password_hash), "values": {}})


@router.post("/admin/connexion", dependencies=PUBLIC_FORM)
async def login(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    user, password = text(form, "utilisateur"), str(form.get("mot_de_passe") or "")
    suite = _safe_next(text(form, "suite"))
    throttle = web.login_throttle
    keys = throttle.keys(user, request.client.host if request.client else "unknown")
    wait = throttle.wait(keys)
    if wait:  # refused before hashing: a flood costs no CPU (ADR 0042)
        raise RateLimited(wait)
    ok = await _password_ok(web, user, password)
    if ok:
        throttle.succeeded(keys)
    else:
        throttle.failed(keys)
        return admin_page(web, request, "backoffice/login.html", {
            "suite": suite, "configured": bool(web.admin_password_hash),
            "values": {"utilisateur": user},
            "errors": {"mot_de_passe": "Identifiant ou mot de passe incorrect."}},
            status=400)
    response = RedirectResponse(suite, status_code=303)
    generation = await session_generation(web.store, admin_subject(user))
    response.set_cookie(web.sessions.cookie,
                        web.sessions.issue(user, kind="admin", generation=generation),
                        httponly=True, samesite="strict", secure=web.sessions.secure,
                        max_age=web.sessions.max_age, path="/")
    return response


async def _password_ok(web: Web, user: str, password: str) -> bool:
    """The hash runs in a worker thread (scrypt takes tens of milliseconds: on the
    event loop it would stall every other request), and runs for a wrong user
    name too, so the answer's timing does not tell which one was wrong."""
    stored = web.admin_password_hash
    matches = await asyncio.to_thread(verify_password, password, stored or UNUSABLE_HASH)
    same_user = hmac.compare_digest(user.encode(), web.settings.admin_user.encode())
    return bool(stored) and same_user and matches


@router.post("/admin/deconnexion", dependencies=PUBLIC_FORM)
async def logout(request: Request, web: WebDep) -> Response:
    await checked_form(web, request)
    response = RedirectResponse("/", status_code=303)
    await end_session(web, request, response)
    return response
