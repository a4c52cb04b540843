"""A participant's own pages: account, data export (JSON), erasure; and the
developer outbox (development only)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.identity.commands import EraseParticipant
from services.identity.export import export_participant
from services.identity.mailer import OutboxMailer
from services.identity.queries import consultations_with_role, identity_level
from services.web.account.deps import IdentityWeb
from services.web.forms import admin_page, checked_form, text
from services.web.session import Visitor, close_session, visitor

LEVEL_LABELS = {"anonymous": "anonyme", "email": "adresse électronique vérifiée",
                "verified": "identité vérifiée"}


class _NotParticipant(Exception):
    pass


def routes(iw: IdentityWeb) -> APIRouter:
    router = APIRouter()
    web, ports = iw.web, iw.ports
    store = web.deps.store

    def participant(request: Request) -> Visitor | None:
        who = visitor(web, request)
        return who if who is not None and who.kind == "participant" else None

    @router.get("/compte")
    async def account(request: Request) -> Response:
        who = participant(request)
        if who is None:
            return RedirectResponse("/connexion", status_code=303)
        # Only the session's own id is ever read: there is no participant id in the URL.
        profile = await ports.vault.profile(who.id)
        roles = await consultations_with_role(store, who.id)
        titles = await store.get_many("consultation_detail", "all", sorted(roles))
        return admin_page(web, request, "account/account.html", {
            "profile": profile, "level": LEVEL_LABELS[await identity_level(store, who.id)],
            "roles": [{"cid": cid, "roles": sorted(r),
                       "title": titles.get(cid, {}).get("title", cid)}
                      for cid, r in roles.items()]})

    @router.get("/compte/donnees.json")
    async def export(request: Request) -> Response:
        who = participant(request)
        if who is None:
            return RedirectResponse("/connexion", status_code=303)
        data = await export_participant(who.id, vault=ports.vault, store=store,
                                        sources=ports.export_sources)
        return Response(orjson.dumps(data, option=orjson.OPT_INDENT_2),
                        media_type="application/json", headers={
                            "Cache-Control": "no-store",
                            "Content-Disposition": 'attachment; filename="mes-donnees.json"'})

    @router.post("/compte/effacement")
    async def erase(request: Request) -> Response:
        form = await checked_form(web, request)
        who = participant(request)
        if who is None:
            return RedirectResponse("/connexion", status_code=303)
        if text(form, "confirmation") != "oui":
            raise HTTPException(400)
        await iw.run(EraseParticipant(who.id), actor_id=who.id)
        await web.deps.settle()
        response = admin_page(web, request, "account/erased.html", {})
        close_session(web, response)
        return response

    @router.get("/dev/courriels")
    async def outbox(request: Request) -> Response:
        if not ports.settings.is_development or not isinstance(ports.mailer, OutboxMailer):
            raise HTTPException(404)
        return admin_page(web, request, "account/outbox.html",
                          {"messages": await ports.mailer.read()})

    return router
