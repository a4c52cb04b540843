"""OpenID Connect login pages (FranceConnect-compatible): the identity
service's OIDC flow (services/identity/oidc_signin.py) with its two tokens in
cookies. The flow token (state and nonce) lives in a short-lived cookie bound
to the callback path; a first login's verified identity waits in another,
bound to /connexion/oidc, while the person chooses a pseudonym."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.identity.oidc_signin import FLOW_SECONDS, PENDING_SECONDS, PendingIdentity
from services.web.account.login import LINK_ERROR, signed_in
from services.web.authz import PUBLIC_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text

FLOW_COOKIE = "parlons_oidc"  # `__Secure-` when Secure: `__Host-` needs path `/`
CALLBACK = "/connexion/oidc/retour"
CHOOSE = "/connexion/oidc/pseudonyme"
NEW_ACCOUNT_COOKIE = "parlons_oidc_new"  # `__Secure-` when Secure; path NEW_ACCOUNT_PATH
NEW_ACCOUNT_PATH = "/connexion/oidc"

router = APIRouter()


def _cookie(web: Web, name: str) -> str:
    return ("__Secure-" if web.sessions.secure else "") + name


def _pending(web: Web, request: Request) -> PendingIdentity | None:
    return web.identity.oidc.pending(request.cookies.get(_cookie(web, NEW_ACCOUNT_COOKIE), ""))


def _choose_page(web: Web, request: Request, *, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return admin_page(web, request, "account/oidc_pseudonym.html",
                      {"values": values or {}, "errors": errors or {}}, status=status)


@router.get("/connexion/oidc")
async def start(request: Request, web: WebDep) -> Response:
    if not web.identity.oidc.enabled:
        raise HTTPException(404)
    flow = await web.identity.oidc.start(CALLBACK)
    response = RedirectResponse(flow.url, status_code=303)
    response.set_cookie(_cookie(web, FLOW_COOKIE), flow.flow, max_age=FLOW_SECONDS,
                        httponly=True, samesite="lax", secure=web.sessions.secure,
                        path=CALLBACK)
    return response


@router.get(CALLBACK)
async def finish(request: Request, web: WebDep, code: str = "", state: str = "") -> Response:
    if not web.identity.oidc.enabled:
        raise HTTPException(404)
    flow_cookie = _cookie(web, FLOW_COOKIE)
    try:
        outcome = await web.identity.oidc.finish(
            CALLBACK, flow=request.cookies.get(flow_cookie, ""), code=code, state=state)
    except DomainError as e:
        return admin_page(web, request, LINK_ERROR, {"message": e.message}, status=400)
    response: Response
    if isinstance(outcome, PendingIdentity):  # a first login: the pseudonym first
        response = RedirectResponse(CHOOSE, status_code=303)
        response.set_cookie(_cookie(web, NEW_ACCOUNT_COOKIE), outcome.token,
                            max_age=PENDING_SECONDS, httponly=True, samesite="lax",
                            secure=web.sessions.secure, path=NEW_ACCOUNT_PATH)
    else:
        response = await signed_in(web, outcome)
    response.delete_cookie(flow_cookie, path=CALLBACK, secure=web.sessions.secure)
    return response


@router.get(CHOOSE)
async def choose_form(request: Request, web: WebDep) -> Response:
    if _pending(web, request) is None:
        return RedirectResponse("/connexion", status_code=303)
    return _choose_page(web, request)


@router.post(CHOOSE, dependencies=PUBLIC_FORM)
async def choose(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    who = _pending(web, request)
    if who is None:  # expired: log in again
        return RedirectResponse("/connexion", status_code=303)
    values = {k: text(form, k) for k in ("pseudonym", "postcode")}
    try:
        signed = await web.identity.oidc.register(who, **values)
    except DomainError as e:
        return _choose_page(web, request, values=values,
                            errors={e.field or "__all__": e.message}, status=400)
    response = await signed_in(web, signed)
    response.delete_cookie(_cookie(web, NEW_ACCOUNT_COOKIE), path=NEW_ACCOUNT_PATH,
                           secure=web.sessions.secure)
    return response
