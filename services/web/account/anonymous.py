"""Anonymous participation: an anonymous session, for a consultation that
allows it (`gating.check_participation`), after a proof-of-work challenge when
the consultation turned it on (static/js/pow.js; without JavaScript, a signed
wait ticket). A new session (a new participant id) is rate limited per client
address, `anonymous` (ADR 0133): one-ballot-per-participant means little if one
address can mint participants at will."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.core.participants import check_participation
from services.identity.queries import proof_of_work_required
from services.identity.ratelimit import RateLimited
from services.store.port import ReadStore
from services.web.account.login import safe_local
from services.web.account.providers import client_of
from services.web.authz import PUBLIC_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import open_session, visitor

PAGE = "account/anonymous.html"
PATH = "/participer/anonyme"

router = APIRouter()


async def refusal(store: ReadStore, cid: str) -> str:
    """'' when anonymous participation is allowed in `cid` (or none is named)."""
    if not cid:
        return ""
    doc = await store.get("consultation_detail", "all", cid)
    if doc is None:
        return "Cette consultation n'existe pas."
    try:
        check_participation(str(doc.get("identity_level", "anonymous")), "anonymous")
    except DomainError as e:
        return e.message
    return ""


async def page(web: Web, request: Request, cid: str, suite: str, *, wait_ticket: str = "",
               errors: dict[str, str] | None = None, status: int = 200) -> Response:
    context: dict[str, Any] = {"consultation": cid, "suite": suite, "errors": errors or {},
                               "refusal": await refusal(web.store, cid)}
    if context["refusal"]:
        status = 403
    elif cid and await proof_of_work_required(web.store, cid):
        challenge = web.identity.challenge(cid, wait_ticket)
        context.update(challenge=challenge.challenge, bits=challenge.bits,
                       wait_ticket=challenge.wait_ticket, wait_seconds=challenge.wait_seconds)
    return admin_page(web, request, PAGE, context, status=status)


@router.get(PATH)
async def anonymous_form(request: Request, web: WebDep, consultation: str = "",
                         suite: str = "/") -> Response:
    return await page(web, request, consultation[:100], safe_local(suite))


@router.post(PATH, dependencies=PUBLIC_FORM)
async def anonymous(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    cid, suite = text(form, "consultation")[:100], safe_local(text(form, "suite") or "/")
    if await refusal(web.store, cid):
        return await page(web, request, cid, suite)
    needs_proof = bool(cid) and await proof_of_work_required(web.store, cid)
    if needs_proof:
        try:
            await web.identity.check_proof(cid, client_of(web, request),
                                           wait_ticket=text(form, "attente"),
                                           challenge=text(form, "pow_challenge"),
                                           nonce=text(form, "pow_nonce"))
        except DomainError as e:
            keep = text(form, "attente") if e.code == "pow_too_early" else ""
            return await page(web, request, cid, suite, wait_ticket=keep,
                              errors={"pow": e.message}, status=400)
    # An anonymous session already open keeps its id (one participant across
    # consultations) and adds this consultation's proof to those it made.
    who = visitor(web, request)
    if who is not None and (who.kind != "participant" or who.level != "anonymous"):
        who = None  # any other session gives way to a new anonymous one
    if who is None:  # a new participant: counted per client address
        try:
            await web.identity.limits.check("anonymous", client_of(web, request))
        except RateLimited as limited:
            response = await page(web, request, cid, suite, status=429,
                                  errors={"limite": too_many(limited.retry_after)})
            response.headers["Retry-After"] = str(limited.retry_after)
            return response
    pid = web.identity.anonymous_id(who.id if who else None)
    proven = [*(who.proven if who else ()), *([cid] if needs_proof else [])]
    response = RedirectResponse(suite, status_code=303)
    await open_session(web, response, pid, "anonymous", proven)
    return response


def too_many(retry_after: int) -> str:
    """Why no new anonymous session now, and when to try again."""
    wait = (f"{retry_after} secondes" if retry_after < 90
            else f"{math.ceil(retry_after / 60)} minutes")
    return ("Trop de sessions anonymes ont été ouvertes depuis votre connexion à internet "
            "ces derniers temps (elle est peut-être partagée : foyer, établissement, "
            f"bibliothèque). Réessayez dans {wait}, ou connectez-vous avec votre adresse "
            "électronique.")
