"""Registration, magic-link login and logout (participants): the forms; the
identity service's flows do the rest (services/identity/flows.py)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.identity.acting import SignedIn
from services.web.account.providers import client_of
from services.web.authz import PUBLIC_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import end_session, open_session

SENT = "account/sent.html"
LINK_ERROR = "account/link_error.html"

router = APIRouter()


def safe_local(target: str) -> str:
    """Only a path of this site: never an open redirect."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/"


async def signed_in(web: Web, who: SignedIn, suite: str = "/compte") -> Response:
    """To `suite` (a local path: the page that asked to sign in, the account
    page by default), with a session at the level just reached."""
    response = RedirectResponse(safe_local(suite or "/compte"), status_code=303)
    await open_session(web, response, who.participant_id, who.level)
    return response


@router.get("/inscription")
async def register_form(request: Request, web: WebDep) -> Response:
    return admin_page(web, request, "account/register.html", {"values": {}})


@router.post("/inscription", dependencies=PUBLIC_FORM)
async def register(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    values = {k: text(form, k) for k in ("email", "pseudonym", "postcode")}
    try:
        await web.identity.register(client_of(web, request), **values)
    except DomainError as e:
        return admin_page(web, request, "account/register.html", {
            "values": values, "errors": {e.field or "__all__": e.message}}, status=400)
    return admin_page(web, request, SENT, {})


@router.get("/connexion")
async def login_form(request: Request, web: WebDep, suite: str = "/compte") -> Response:
    return admin_page(web, request, "account/login.html", {
        "values": {}, "suite": safe_local(suite), "oidc_label": web.identity.oidc.label})


@router.post("/connexion", dependencies=PUBLIC_FORM)
async def login(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    raw, suite = text(form, "email"), safe_local(text(form, "suite") or "/compte")
    try:  # the same answer for an unknown address: no account enumeration
        # the link leads back to the page that asked to sign in
        await web.identity.request_link(client_of(web, request), raw,
                                        "" if suite == "/compte" else suite)
    except DomainError as e:
        return admin_page(web, request, "account/login.html", {
            "values": {"email": raw}, "suite": suite, "oidc_label": web.identity.oidc.label,
            "errors": {"email": e.message}}, status=400)
    return admin_page(web, request, SENT, {})


@router.get("/connexion/lien")
async def confirm_form(request: Request, web: WebDep, jeton: str = "",
                       suite: str = "/compte") -> Response:
    # GET changes nothing (mail scanners open links): the visitor confirms by POST.
    try:
        web.identity.check_link(jeton)
    except DomainError as e:
        return admin_page(web, request, LINK_ERROR, {"message": e.message}, status=400)
    return admin_page(web, request, "account/confirm.html", {
        "jeton": jeton, "suite": safe_local(suite)})


@router.post("/connexion/lien", dependencies=PUBLIC_FORM)
async def confirm(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    try:
        who = await web.identity.confirm_link(client_of(web, request), text(form, "jeton"))
    except DomainError as e:
        return admin_page(web, request, LINK_ERROR, {"message": e.message}, status=400)
    return await signed_in(web, who, text(form, "suite"))


@router.post("/deconnexion", dependencies=PUBLIC_FORM)
async def logout(request: Request, web: WebDep) -> Response:
    await checked_form(web, request)
    response = RedirectResponse("/", status_code=303)
    await end_session(web, request, response)
    return response
