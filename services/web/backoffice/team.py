"""Back office: the team of a consultation (roles granted per consultation) and
its anti-robot setting, over the identity service's team flow. Guarded by the
back-office guard (organiser or admin of that consultation)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.identity.queries import proof_of_work_required
from services.identity.team import TEAM_PAGE
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import Visitor, visitor

ROLE_LABELS = {"participant": "Participant", "moderator": "Modération",
               "organiser": "Organisation", "analyst": "Analyse", "admin": "Administration"}
ERASED = "(compte effacé)"

router = APIRouter(dependencies=BACK_OFFICE)


def _acting(web: Web, request: Request) -> Visitor:
    who = visitor(web, request)
    assert who is not None  # the guard let only organisers and the admin in
    return who


def _back(cid: str) -> Response:
    return RedirectResponse(f"/admin/equipe/{cid}", status_code=303)


async def page(web: Web, request: Request, cid: str, *, values: dict[str, str] | None = None,
               errors: dict[str, str] | None = None, status: int = 200) -> Response:
    doc = await web.store.get("consultation_detail", "all", cid)
    if doc is None:
        return admin_page(web, request, "error.html", {
            "heading": "Introuvable", "message": "Cette consultation n'existe pas."},
            status=404)
    # a page of the members (the first 200 only were listed, and the others could
    # not be seen nor have a role taken back here)
    after = views.keyset_after(request)
    members, next_key = views.keyset_cut(
        await web.identity.team.members(cid, after=after, limit=TEAM_PAGE + 1),
        TEAM_PAGE, key=lambda m: m.participant_id)
    admin = _acting(web, request).is_admin
    changeable = {role for role in ROLE_LABELS
                  if web.identity.team.may_change(role, by_platform_admin=admin)}
    team = [{"participant_id": m.participant_id, "roles": m.roles,
             "pseudonym": ERASED if m.pseudonym is None else m.pseudonym} for m in members]
    return admin_page(web, request, "backoffice/team.html", {
        "consultation": doc, "team": team, "role_labels": ROLE_LABELS,
        "changeable": changeable,
        "grantable": [(r, label) for r, label in ROLE_LABELS.items() if r in changeable],
        "next": next_key, "first_page": after is None,
        "proof_of_work": await proof_of_work_required(web.store, cid),
        "values": values or {}, "errors": errors or {}}, status=status)


@router.get("/admin/equipe/{cid}")
async def team(request: Request, web: WebDep, cid: str) -> Response:
    return await page(web, request, cid)


@router.post("/admin/equipe/{cid}")
async def grant(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    who = _acting(web, request)
    values = {"pseudonym": text(form, "pseudonym"), "role": text(form, "role")}
    try:
        await web.identity.team.grant(cid, **values, by=who.id, by_platform_admin=who.is_admin)
    except DomainError as e:
        return await page(web, request, cid, values=values, status=400,
                          errors={e.field or "role": e.message})
    return _back(cid)


@router.post("/admin/equipe/{cid}/retrait")
async def revoke(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    who = _acting(web, request)
    try:
        await web.identity.team.revoke(cid, participant_id=text(form, "participant_id"),
                                       role=text(form, "role"), by=who.id,
                                       by_platform_admin=who.is_admin)
    except DomainError as e:
        return await page(web, request, cid, status=400, errors={"__all__": e.message})
    return _back(cid)


@router.post("/admin/equipe/{cid}/anti-robot")
async def proof_of_work(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    who = _acting(web, request)
    if await web.store.get("consultation_detail", "all", cid) is None:
        return await page(web, request, cid)  # its 404
    await web.identity.team.require_proof_of_work(cid, text(form, "actif") == "oui",
                                                  by=who.id)
    return _back(cid)
