"""Participation pages that only read: the published proposals with their
arguments, a proposal (with the argument and comment forms for a participant),
"mes contributions", the public transparency counts.

The list and the transparency page are the same bytes for everyone (public,
ETag); the proposal page and "mes contributions" depend on the session (forms,
own data) and are never cached.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.ids import new_id
from services.web import views
from services.web.deposit import views as deposit_views
from services.web.deposit.forms import participant
from services.web.deps import WebDep
from services.web.forms import admin_page
from services.web.rendering import public_page
from services.web.vote.project import project_of

SENT = {"proposition": "Votre proposition a bien été reçue.",
        "reponse": "Vos réponses au questionnaire ont bien été enregistrées.",
        "argument": "Votre argument a bien été reçu.",
        "comment": "Votre commentaire a bien été reçu.",
        "signalement": "Merci : votre signalement a été transmis à la modération.",
        "retrait": "Votre contribution est retirée : elle n'est plus publiée.",
        "modification": "Votre modification est enregistrée ; elle repasse par la modération "
                        "selon les règles de la consultation.",
        "appel": "Votre appel est enregistré : un autre modérateur réexaminera la décision."}
COMMENTS_AFTER = "commentaires_apres"  # the comments' own keyset, beside the arguments'


def _after(request: Request, name: str = "apres") -> str | None:
    value = request.query_params.get(name, "")
    return value[:100] or None


router = APIRouter()


@router.get("/consultations/{slug}/propositions")
async def proposals(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    ctx = await deposit_views.proposals(web.store, c, _after(request), web.settings.page_size)
    return public_page(request, web.env, "deposit/proposals.html", ctx)


@router.get("/consultations/{slug}/transparence")
async def transparency(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    ctx = await deposit_views.transparency(web.store, web.log, c)
    return public_page(request, web.env, "deposit/transparency.html", ctx)


@router.get("/consultations/{slug}/propositions/{pid:ref}")
async def proposal(request: Request, web: WebDep, slug: str, pid: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    ctx = await deposit_views.proposal(web.store, c, pid, _after(request),
                                       web.settings.page_size, _after(request, COMMENTS_AFTER))
    if ctx is None:
        raise HTTPException(404)
    sent = SENT.get(request.query_params.get("envoi", ""), "")
    who = await participant(web, request)
    own = None
    if who is not None:  # the author's own proposal: what they may do to it
        doc = await deposit_views.contribution(web.store, pid)
        if doc is not None and doc["author_id"] == who.participant_id:
            policy = await deposit_views.policy_of(web.store, c["id"])
            own = {"edit": deposit_views.may_edit(doc, c, policy),
                   "withdraw": deposit_views.may_withdraw(doc, policy)}
    return admin_page(web, request, "deposit/proposal.html", {
        **ctx, "participant": who, "own": own, "values": {},
        "form_kind": "", "argument_key": new_id(), "comment_key": new_id(),
        "open_comment": deposit_views.is_open(c, "comment"), "sent": sent,
        "project": await project_of(web.store, c["id"], pid)})


@router.get("/mes-contributions")
async def mine(request: Request, web: WebDep) -> Response:
    who = await participant(web, request)
    if who is None:
        return RedirectResponse("/connexion?suite=/mes-contributions", status_code=303)
    ctx = await deposit_views.my_contributions(web.store, web.log, who.participant_id,
                                               _after(request), web.settings.page_size)
    return admin_page(web, request, "deposit/mine.html", {
        **ctx, "sent": SENT.get(request.query_params.get("envoi", ""), "")})
