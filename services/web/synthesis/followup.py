"""The organiser's follow-up of a consultation (`/admin/consultations/<cid>/suites`;
no JavaScript, CSRF on every POST): the responses and decisions published in
answer to the synthesis, with their status over time. Linked proposals are
picked by searching their titles (backoffice/pickers.py): the form sent with
`action=chercher` comes back with the matches to tick, nothing stored. The
identity guard admits organisers (and admins) of <cid>; the routes check the
role again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError, NotFound
from services.core.ids import new_id
from services.identity.queries import Capability
from services.synthesis.followup import model as fm
from services.synthesis.runs.tables import PUBLISHED, WHOLE_PUBLISHED
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.backoffice.pickers import Found, chosen, find_proposals
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import holder_of
from services.web.synthesis.views import linked_proposals, responses_page

router = APIRouter(dependencies=BACK_OFFICE)


async def followup_page(web: Web, request: Request, cid: str, *,
                        errors: dict[str, str] | None = None,
                        values: dict[str, Any] | None = None,
                        found: Found | None = None, number: int = 1) -> Response:
    """`found`: the picker's answer (a search, not a refusal: 200 even when it
    says, as an error of its field, that it has no words to look for)."""
    values = values or {}
    page = await responses_page(web.store, cid, number)
    responses = page.items
    return admin_page(web, request, "synthesis/followup.html", {
        "consultation": await views.consultation_or_404(web.store, cid),
        "responses": responses, "page": page,
        "published": await web.store.get(PUBLISHED, cid, WHOLE_PUBLISHED),
        "statuses": fm.STATUSES, "response_key": values.get("cle") or new_id(),
        "values": values, "errors": errors or {}, "found": found,
        "linked": await linked_proposals(web.store, cid, responses),
        "picked": await chosen(web, cid, values.get("proposal_ids", []))},
        status=400 if errors and found is None else 200)


@router.get("/admin/consultations/{cid}/suites")
async def followup(request: Request, web: WebDep, cid: str) -> Response:
    await holder_of(web, request, cid, Capability.MANAGE)
    return await followup_page(web, request, cid, number=views.page_number(request))


@router.post("/admin/consultations/{cid}/suites")
async def respond(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    await holder_of(web, request, cid, Capability.MANAGE)
    values: dict[str, Any] = {k: text(form, k) for k in ("title", "body", "status", "cle",
                                                        "recherche")}
    values["theme_ids"] = [v for v in form.getlist("theme_ids") if isinstance(v, str)]
    values["proposal_ids"] = list(dict.fromkeys(
        i for v in form.getlist("proposal_ids") if isinstance(v, str) for i in v.split()))
    if text(form, "action") == "chercher":  # the picker: the form back, with matches
        found = await find_proposals(web, cid, values["recherche"])
        return await followup_page(web, request, cid, values=values, found=found,
                                   errors={"recherche": found.error} if found.error else None)
    command = fm.PublishResponse(
        values["cle"] or new_id(), cid, values["title"], values["body"], values["status"],
        tuple(values["theme_ids"]), tuple(values["proposal_ids"]))
    try:
        await web.deps.send(command)
    except DomainError as e:
        return await followup_page(web, request, cid, values=values,
                                   errors={e.field or "__all__": e.message})
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}/suites?ok=1", status_code=303)


@router.post("/admin/consultations/{cid}/suites/{response_id}/statut")
async def status(request: Request, web: WebDep, cid: str, response_id: str) -> Response:
    form = await checked_form(web, request)
    await holder_of(web, request, cid, Capability.MANAGE)
    try:
        await web.deps.send(fm.ChangeResponseStatus(response_id, cid, text(form, "status"),
                                                    text(form, "note")))
    except NotFound:
        raise HTTPException(404) from None
    except DomainError as e:
        return await followup_page(web, request, cid, errors={
            f"status-{response_id}": e.message, "__all__": e.message})
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}/suites?ok=1", status_code=303)
