"""Participation pages that only read: the published proposals with their
arguments, a proposal (with the argument and comment forms for a participant),
"mes contributions", the public transparency counts.

The list and the transparency page are the same bytes for everyone (public,
ETag); the proposal page and "mes contributions" depend on the session (forms,
own data) and are never cached.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation import phases as ph
from services.core.ids import new_id
from services.web.deposit import views as deposit_views
from services.web.deposit.forms import participant
from services.web.deps import Web
from services.web.forms import admin_page
from services.web.rendering import public_page

SENT = {"proposition": "Votre proposition a bien été reçue.",
        "reponse": "Vos réponses au questionnaire ont bien été enregistrées.",
        "argument": "Votre argument a bien été reçu.",
        "comment": "Votre commentaire a bien été reçu."}
COMMENTS_AFTER = "commentaires_apres"  # the comments' own keyset, beside the arguments'


def _after(request: Request, name: str = "apres") -> str | None:
    value = request.query_params.get(name, "")
    return value[:100] or None


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    store = web.deps.store
    size = web.deps.settings.page_size

    def found(ctx: dict[str, Any] | None) -> dict[str, Any]:
        if ctx is None:
            raise HTTPException(404)
        return ctx

    @router.get("/consultations/{slug}/propositions")
    async def proposals(request: Request, slug: str) -> Response:
        ctx = found(await deposit_views.proposals(store, slug, _after(request), size))
        return public_page(request, web.env, "deposit/proposals.html", ctx)

    @router.get("/consultations/{slug}/transparence")
    async def transparency(request: Request, slug: str) -> Response:
        ctx = found(await deposit_views.transparency(store, slug))
        return public_page(request, web.env, "deposit/transparency.html", ctx)

    @router.get("/consultations/{slug}/propositions/{pid}")
    async def proposal(request: Request, slug: str, pid: str) -> Response:
        ctx = found(await deposit_views.proposal(store, slug, pid, _after(request), size,
                                                 _after(request, COMMENTS_AFTER)))
        open_comment = "comment" in ph.open_actions(ctx["consultation"].get("phases") or [],
                                                    deposit_views.now())
        sent = SENT.get(request.query_params.get("envoi", ""), "")
        return admin_page(web, request, "deposit/proposal.html", {
            **ctx, "participant": await participant(web, request), "values": {},
            "form_kind": "", "argument_key": new_id(), "comment_key": new_id(),
            "open_comment": open_comment, "sent": sent})

    @router.get("/mes-contributions")
    async def mine(request: Request) -> Response:
        who = await participant(web, request)
        if who is None:
            return RedirectResponse("/connexion?suite=/mes-contributions", status_code=303)
        ctx = await deposit_views.my_contributions(store, who.participant_id, _after(request),
                                                   size)
        return admin_page(web, request, "deposit/mine.html", {
            **ctx, "sent": SENT.get(request.query_params.get("envoi", ""), "")})

    return router
