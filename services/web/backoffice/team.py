"""Back office: the team of a consultation (roles granted per consultation).
Guarded by identity_guard (organiser or admin of that consultation)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.identity import model
from services.identity.commands import GrantRole, RevokeRole, SetAnonymousProofOfWork
from services.identity.queries import ROLE_HOLDERS, proof_of_work_required
from services.web.account.deps import IdentityWeb
from services.web.forms import admin_page, checked_form, text
from services.web.session import visitor

ROLE_LABELS = {"participant": "Participant", "moderator": "Modération",
               "organiser": "Organisation", "analyst": "Analyse", "admin": "Administration"}


def routes(iw: IdentityWeb) -> APIRouter:
    router = APIRouter()
    web, ports = iw.web, iw.ports

    async def page(request: Request, cid: str, *, values: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None, status: int = 200) -> Response:
        doc = await web.deps.store.get("consultation_detail", "all", cid)
        if doc is None:
            return admin_page(web, request, "error.html", {
                "heading": "Introuvable", "message": "Cette consultation n'existe pas."},
                status=404)
        team: list[dict[str, Any]] = []
        for pid, holder in await web.deps.store.list(ROLE_HOLDERS, cid, limit=200):
            profile = await ports.vault.profile(pid) or {}
            team.append({"participant_id": pid, "roles": holder["roles"],
                         "pseudonym": profile.get("pseudonym", "(compte effacé)")})
        return admin_page(web, request, "backoffice/team.html", {
            "consultation": doc, "team": team, "role_labels": ROLE_LABELS,
            "proof_of_work": await proof_of_work_required(web.deps.store, cid),
            "values": values or {}, "errors": errors or {}}, status=status)

    @router.get("/admin/equipe/{cid}")
    async def team(request: Request, cid: str) -> Response:
        return await page(request, cid)

    @router.post("/admin/equipe/{cid}")
    async def grant(request: Request, cid: str) -> Response:
        form = await checked_form(web, request)
        who = visitor(web, request)
        assert who is not None  # the guard let only organisers and the admin in
        pseudonym, role = text(form, "pseudonym"), text(form, "role")
        values = {"pseudonym": pseudonym, "role": role}
        if role == "admin" and not who.is_admin:
            return await page(request, cid, values=values, status=400, errors={
                "role": "Seule l'administration de la plateforme attribue ce rôle."})
        pid = await ports.vault.find("pseudonym", model.pseudonym_lookup_value(pseudonym))
        if pid is None:
            return await page(request, cid, values=values, status=400,
                              errors={"pseudonym": "Aucun participant n'a ce pseudonyme."})
        try:
            await iw.run(GrantRole(pid, cid, role), actor_id=who.id, role="organiser")
        except DomainError as e:
            return await page(request, cid, values=values, status=400,
                              errors={e.field or "role": e.message})
        await web.deps.settle()
        return RedirectResponse(f"/admin/equipe/{cid}", status_code=303)

    @router.post("/admin/equipe/{cid}/retrait")
    async def revoke(request: Request, cid: str) -> Response:
        form = await checked_form(web, request)
        who = visitor(web, request)
        assert who is not None
        try:
            await iw.run(RevokeRole(text(form, "participant_id"), cid, text(form, "role")),
                         actor_id=who.id, role="organiser")
        except DomainError as e:
            return await page(request, cid, status=400, errors={"__all__": e.message})
        await web.deps.settle()
        return RedirectResponse(f"/admin/equipe/{cid}", status_code=303)

    @router.post("/admin/equipe/{cid}/anti-robot")
    async def proof_of_work(request: Request, cid: str) -> Response:
        form = await checked_form(web, request)
        who = visitor(web, request)
        assert who is not None
        if await web.deps.store.get("consultation_detail", "all", cid) is None:
            return await page(request, cid)  # its 404
        await iw.run(SetAnonymousProofOfWork(cid, text(form, "actif") == "oui"),
                     actor_id=who.id, role="organiser")
        await web.deps.settle()
        return RedirectResponse(f"/admin/equipe/{cid}", status_code=303)

    return router
