"""OpenID Connect login routes (FranceConnect-compatible). `state` and `nonce`
travel in a short-lived signed cookie: the callback accepts only the state this
browser was sent with (the OAuth equivalent of the CSRF token)."""

from __future__ import annotations

import secrets
import time

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.identity import model
from services.identity.commands import RaiseIdentityLevel, RecordSignIn, RegisterParticipant
from services.identity.oidc import REFUSED, OidcClient, OidcIdentity
from services.web.forms import admin_page
from services.web.identity_deps import IdentityWeb
from services.web.identity_session import open_session
from services.web.security import Signer

FLOW_COOKIE = "parlons_oidc"  # `__Secure-` when Secure: `__Host-` needs path `/`
FLOW_SECONDS = 600
CALLBACK = "/connexion/oidc/retour"


def routes(iw: IdentityWeb) -> APIRouter:
    router = APIRouter()
    web, ports = iw.web, iw.ports
    client = OidcClient(ports.settings)
    signer = Signer(ports.settings.resolved_secret(), "oidc-flow")
    redirect_uri = ports.settings.public_url.rstrip("/") + CALLBACK
    secure = web.sessions.secure
    flow_cookie = ("__Secure-" if secure else "") + FLOW_COOKIE

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
        await iw.run(RaiseIdentityLevel(pid, "verified", "oidc"), actor_id=pid)
        await iw.run(RecordSignIn(pid, "oidc"), actor_id=pid)
        await web.deps.settle()
        response = RedirectResponse("/compte", status_code=303)
        response.delete_cookie(flow_cookie, path=CALLBACK, secure=secure)
        open_session(web, response, pid, "verified")
        return response

    return router


async def _participant_for(iw: IdentityWeb, who: OidcIdentity) -> str:
    """The participant this identity belongs to: known by its subject, else by its
    e-mail (an existing account becomes verified), else a new account with a
    generated pseudonym (the provider's names are not made public)."""
    vault = iw.ports.vault
    subject = f"{who.issuer}|{who.subject}"
    pid = await vault.find("oidc", subject)
    if pid is None:
        pid = await vault.find("email", model.email_lookup_value(who.email))
    if pid is not None:
        return pid
    pid = model.new_participant_id()
    pseudonym = f"Participant {secrets.token_hex(3)}"
    await iw.run(RegisterParticipant(participant_id=pid, email=who.email, pseudonym=pseudonym,
                                     method="oidc", verified_subject=subject), actor_id=pid)
    return pid
