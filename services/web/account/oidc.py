"""OpenID Connect login routes (FranceConnect-compatible). `state` and `nonce`
travel in a short-lived signed cookie: the callback accepts only the state this
browser was sent with (the OAuth equivalent of the CSRF token).

A first login does not create the account at once: the verified identity waits
in a short-lived encrypted cookie (AES-GCM, never readable by the browser) while
the person chooses a pseudonym with the registration's own validation; the
account exists once the pseudonym is accepted."""

from __future__ import annotations

import base64
import json
import secrets
import time

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.identity import model
from services.identity.commands import RaiseIdentityLevel, RecordSignIn, RegisterParticipant
from services.identity.crypto import open_sealed, seal, sub_key
from services.identity.oidc import REFUSED, OidcClient, OidcIdentity
from services.web.account.deps import IdentityWeb
from services.web.forms import admin_page, checked_form, text
from services.web.security import Signer
from services.web.session import open_session

FLOW_COOKIE = "parlons_oidc"  # `__Secure-` when Secure: `__Host-` needs path `/`
FLOW_SECONDS = 600
CALLBACK = "/connexion/oidc/retour"
CHOOSE = "/connexion/oidc/pseudonyme"
NEW_ACCOUNT_COOKIE = "parlons_oidc_new"  # `__Secure-` when Secure; path /connexion/oidc
NEW_ACCOUNT_SECONDS = 900
PENDING_CONTEXT = b"oidc-new-account"


def routes(iw: IdentityWeb) -> APIRouter:
    router = APIRouter()
    web, ports = iw.web, iw.ports
    client = OidcClient(ports.settings)
    signer = Signer(ports.settings.resolved_secret(), "oidc-flow")
    redirect_uri = ports.settings.public_url.rstrip("/") + CALLBACK
    secure = web.sessions.secure
    flow_cookie = ("__Secure-" if secure else "") + FLOW_COOKIE
    new_cookie = ("__Secure-" if secure else "") + NEW_ACCOUNT_COOKIE
    pending_key = sub_key(ports.settings.resolved_secret(), "oidc-new-account")

    def pending(request: Request) -> dict[str, str] | None:
        """The verified identity waiting for its pseudonym, if still fresh."""
        raw = request.cookies.get(new_cookie, "")
        try:
            data = json.loads(open_sealed(pending_key, base64.urlsafe_b64decode(raw),
                                          context=PENDING_CONTEXT))
        except (InvalidTag, ValueError):
            return None
        if not isinstance(data, dict) or int(data.get("exp", 0)) < time.time():
            return None
        return {"email": str(data["email"]), "subject": str(data["subject"])}

    def choose_page(request: Request, *, values: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None, status: int = 200) -> Response:
        return admin_page(web, request, "account/oidc_pseudonym.html",
                          {"values": values or {}, "errors": errors or {}}, status=status)

    async def signed_in(pid: str) -> Response:
        await iw.run(RaiseIdentityLevel(pid, "verified", "oidc"), actor_id=pid)
        await iw.run(RecordSignIn(pid, "oidc"), actor_id=pid)
        await web.deps.settle()
        response = RedirectResponse("/compte", status_code=303)
        open_session(web, response, pid, "verified")
        return response

    @router.get("/connexion/oidc")
    async def start(request: Request) -> Response:
        if not client.enabled:
            raise HTTPException(404)
        flow = await client.start(redirect_uri)
        response = RedirectResponse(flow.url, status_code=303)
        response.set_cookie(flow_cookie, signer.sign({
            "s": flow.state, "n": flow.nonce, "exp": int(time.time()) + FLOW_SECONDS}),
            max_age=FLOW_SECONDS, httponly=True, samesite="lax",
            secure=secure, path=CALLBACK)
        return response

    @router.get(CALLBACK)
    async def finish(request: Request, code: str = "", state: str = "") -> Response:
        if not client.enabled:
            raise HTTPException(404)
        flow = signer.unsign(request.cookies.get(flow_cookie, ""))
        try:
            if (flow is None or int(flow.get("exp", 0)) < time.time()
                    or not secrets.compare_digest(str(flow.get("s")), state) or not code):
                raise REFUSED
            who = await client.finish(code=code, redirect_uri=redirect_uri,
                                      nonce=str(flow["n"]))
            pid = await _participant_for(iw, who)
        except DomainError as e:
            return admin_page(web, request, "account/link_error.html",
                              {"message": e.message}, status=400)
        if pid is None:  # a first login: the pseudonym first, then the account
            response: Response = RedirectResponse(CHOOSE, status_code=303)
            sealed = seal(pending_key, json.dumps({
                "email": who.email, "subject": f"{who.issuer}|{who.subject}",
                "exp": int(time.time()) + NEW_ACCOUNT_SECONDS}).encode(),
                context=PENDING_CONTEXT)
            response.set_cookie(new_cookie, base64.urlsafe_b64encode(sealed).decode(),
                                max_age=NEW_ACCOUNT_SECONDS, httponly=True, samesite="lax",
                                secure=secure, path="/connexion/oidc")
        else:
            response = await signed_in(pid)
        response.delete_cookie(flow_cookie, path=CALLBACK, secure=secure)
        return response

    @router.get(CHOOSE)
    async def choose_form(request: Request) -> Response:
        if pending(request) is None:
            return RedirectResponse("/connexion", status_code=303)
        return choose_page(request)

    @router.post(CHOOSE)
    async def choose(request: Request) -> Response:
        form = await checked_form(web, request)
        who = pending(request)
        if who is None:  # expired: log in again
            return RedirectResponse("/connexion", status_code=303)
        values = {k: text(form, k) for k in ("pseudonym", "postcode")}
        pid = model.new_participant_id()
        try:  # the registration's command: same validation, same French messages
            await iw.run(RegisterParticipant(participant_id=pid, email=who["email"],
                                             method="oidc", verified_subject=who["subject"],
                                             **values), actor_id=pid)
        except DomainError as e:
            return choose_page(request, values=values,
                               errors={e.field or "__all__": e.message}, status=400)
        response = await signed_in(pid)
        response.delete_cookie(new_cookie, path="/connexion/oidc", secure=secure)
        return response

    return router


async def _participant_for(iw: IdentityWeb, who: OidcIdentity) -> str | None:
    """The participant this identity belongs to: known by its subject, else by its
    e-mail (an existing account becomes verified); None for a new person (who
    chooses a pseudonym: the provider's names are not made public)."""
    vault = iw.ports.vault
    subject = f"{who.issuer}|{who.subject}"
    pid = await vault.find("oidc", subject)
    if pid is None:
        pid = await vault.find("email", model.email_lookup_value(who.email))
    return pid
