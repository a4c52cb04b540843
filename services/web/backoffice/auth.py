"""Login and logout of the bootstrap admin: the account configured in settings.
It holds the admin role on every consultation; everyone else logs in as a
participant (magic link, OpenID Connect) and gets roles per consultation
(services/web/backoffice/guard.py checks them)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.identity.queries import admin_subject, session_generation
from services.web.authz import PUBLIC_FORM
from services.web.deps import WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.passwords import verify_password
from services.web.session import end_session

router = APIRouter()


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
    ok = (bool(web.admin_password_hash) and user == web.settings.admin_user
          and verify_password(password, web.admin_password_hash))
    if not ok:
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


@router.post("/admin/deconnexion", dependencies=PUBLIC_FORM)
async def logout(request: Request, web: WebDep) -> Response:
    await checked_form(web, request)
    response = RedirectResponse("/", status_code=303)
    await end_session(web, request, response)
    return response
