"""A participant's own pages: account, data export (JSON), erasure; and the
developer outbox (development only)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.participants import LEVEL_LABELS
from services.identity.queries import consultations_with_role, identity_level
from services.web.authz import PARTICIPANT_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import Visitor, close_session, visitor

router = APIRouter()


def participant(web: Web, request: Request) -> Visitor | None:
    who = visitor(web, request)
    return who if who is not None and who.kind == "participant" else None


@router.get("/compte")
async def account(request: Request, web: WebDep, profil: str = "") -> Response:
    who = participant(web, request)
    if who is None:
        return RedirectResponse("/connexion", status_code=303)
    # after « Modifier mon profil » (its PRG): a confirmation, nothing else changes here
    done = "Votre profil est modifié." if profil == "modifie" else ""
    return await account_page(web, request, who, done=done)


async def account_page(web: Web, request: Request, who: Visitor,
                       errors: dict[str, str] | None = None, status: int = 200,
                       done: str = "") -> Response:
    # Only the session's own id is ever read: there is no participant id in the URL.
    profile = await web.identity.profile(who.id)
    roles = await consultations_with_role(web.store, who.id)
    titles = await web.store.get_many("consultation_detail", "all", sorted(roles))
    return admin_page(web, request, "account/account.html", {
        "profile": profile, "level": LEVEL_LABELS[await identity_level(web.store, who.id)],
        "roles": [{"cid": cid, "roles": sorted(r),
                   "title": titles.get(cid, {}).get("title", cid)}
                  for cid, r in roles.items()], "errors": errors or {}, "done": done},
        status=status)


@router.get("/compte/donnees.json")
async def export(request: Request, web: WebDep) -> Response:
    who = participant(web, request)
    if who is None:
        return RedirectResponse("/connexion", status_code=303)
    data = await web.identity.export(who.id)
    return Response(orjson.dumps(data, option=orjson.OPT_INDENT_2),
                    media_type="application/json", headers={
                        "Cache-Control": "no-store",
                        "Content-Disposition": 'attachment; filename="mes-donnees.json"'})


@router.post("/compte/effacement", dependencies=PARTICIPANT_FORM)
async def erase(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    who = participant(web, request)
    if who is None:
        return RedirectResponse("/connexion", status_code=303)
    if text(form, "confirmation") != "oui":  # a browser without JavaScript sends it unchecked
        return await account_page(web, request, who, {
            "confirmation": "Cochez la case de confirmation pour effacer votre compte."},
            status=400)
    await web.identity.erase(who.id)
    response = admin_page(web, request, "account/erased.html", {})
    close_session(web, response)
    return response


@router.get("/dev/courriels")
async def outbox(request: Request, web: WebDep) -> Response:
    messages = await web.identity.outbox()
    if messages is None:  # outside development, or mail really sent
        raise HTTPException(404)
    return admin_page(web, request, "account/outbox.html", {"messages": messages})
