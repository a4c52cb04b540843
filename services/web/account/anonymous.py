"""Anonymous participation: an anonymous session, for a consultation that
allows it (`gating.check_participation`), after a proof-of-work challenge when
the consultation turned it on (static/js/pow.js; without JavaScript, a signed
wait ticket)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.core.levels import check_participation
from services.identity import model
from services.identity.queries import proof_of_work_required
from services.web.account.deps import IdentityWeb
from services.web.account.login import safe_local
from services.web.forms import admin_page, checked_form, text
from services.web.session import open_session, visitor

PAGE = "account/anonymous.html"


def routes(iw: IdentityWeb) -> APIRouter:
    router = APIRouter()
    web, ports = iw.web, iw.ports
    store = web.deps.store

    async def refusal(cid: str) -> str:
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

    async def page(request: Request, cid: str, suite: str, *, wait_ticket: str = "",
                   errors: dict[str, str] | None = None, status: int = 200) -> Response:
        context: dict[str, Any] = {"consultation": cid, "suite": suite, "errors": errors or {},
                                   "refusal": await refusal(cid)}
        if context["refusal"]:
            status = 403
        elif cid and await proof_of_work_required(store, cid):
            context.update(challenge=ports.pow.challenge(), bits=ports.pow.bits,
                           wait_ticket=wait_ticket or ports.pow.wait_ticket(),
                           wait_seconds=ports.pow.wait_seconds)
        return admin_page(web, request, PAGE, context, status=status)

    async def solved(form: FormData) -> None:
        """Either the browser's work or the no-JS wait; raises a French DomainError."""
        if text(form, "attente"):
            await ports.pow.verify_wait(text(form, "attente"))
        else:
            await ports.pow.verify(text(form, "pow_challenge"), text(form, "pow_nonce"))

    @router.get("/participer/anonyme")
    async def anonymous_form(request: Request, consultation: str = "",
                             suite: str = "/") -> Response:
        return await page(request, consultation[:100], safe_local(suite))

    @router.post("/participer/anonyme")
    async def anonymous(request: Request) -> Response:
        form = await checked_form(web, request)
        cid, suite = text(form, "consultation")[:100], safe_local(text(form, "suite") or "/")
        if await refusal(cid):
            return await page(request, cid, suite)
        needs_proof = bool(cid) and await proof_of_work_required(store, cid)
        if needs_proof:
            try:
                await solved(form)
            except DomainError as e:
                keep = text(form, "attente") if e.code == "pow_too_early" else ""
                return await page(request, cid, suite, wait_ticket=keep,
                                  errors={"pow": e.message}, status=400)
        # An anonymous session already open keeps its id (one participant across
        # consultations) and adds this consultation's proof to those it made.
        who = visitor(web, request)
        again = who is not None and who.kind == "participant" and who.level == "anonymous"
        pid = who.id if again and who is not None else model.new_participant_id()
        proven = [*(who.proven if again and who is not None else ()),
                  *([cid] if needs_proof else [])]
        response = RedirectResponse(suite, status_code=303)
        open_session(web, response, pid, "anonymous", proven)
        return response

    return router
