"""What a participant does to a contribution once it is sent, in HTML without
JavaScript (issue #18 item 5): « Signaler » someone's contribution (a reason
from a list: no free text, so nothing personal reaches the event), and on their
own « Modifier » (while the consultation's policy and its open phase allow it:
the edit goes through moderation again, as the JSON edit does), « Retirer ma
contribution » (after a confirmation page) and « Faire appel » of a refusal.

Each page and form is under the contribution's consultation
(`/consultations/<slug>/contributions/<id>/...`). Someone else's contribution
answers the 404 page, as the handlers do (authorship is not disclosed); the
handlers decide on the contribution's stream in the log, the pages only offer
what the read models say is possible. Every POST needs a participant's session
and the CSRF token, and counts against its action's rate limit (ADR 0045)."""

from __future__ import annotations

from typing import Any, NamedTuple

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import ConcurrencyConflict, DomainError, NotFound
from services.core.participants import ParticipantContext
from services.deposit.commands import EditContribution, WithdrawContribution
from services.deposit.projections import ALL
from services.moderation.commands import FlagContribution, LodgeAppeal
from services.moderation.queue import ITEMS
from services.store.port import Doc
from services.web import views
from services.web.authz import PARTICIPANT_FORM
from services.web.deposit import views as deposit_views
from services.web.deposit.forms import errors_for, login_prompt, participant
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text

# The charter's own codes (moderation.model.DEFAULT_CHARTER) where one fits.
FLAG_REASONS = {
    "injure": "Injure, propos haineux ou discriminatoire",
    "publicite": "Publicité ou message indésirable",
    "donnees_personnelles": "Données personnelles (nom, adresse, téléphone…)",
    "hors_sujet": "Hors sujet",
    "campagne": "Copier-coller massif",
    "autre": "Autre motif",
}
BASE = "/consultations/{slug}/contributions/{cid}"

router = APIRouter()


def back_to(slug: str, doc: Doc) -> str:
    """The public page that shows the contribution."""
    proposal = doc["id"] if doc["kind"] == "proposal" else doc.get("proposal_id") \
        or doc.get("parent_id")
    return f"/consultations/{slug}/propositions/{proposal}" if proposal \
        else f"/consultations/{slug}"


def refused(web: Web, request: Request, message: str, status: int = 400) -> Response:
    return admin_page(web, request, "error.html", {
        "heading": "Action impossible", "message": message}, status=status)


async def _contribution(web: Web, slug: str, cid: str,
                        withdrawn: bool = False) -> tuple[Doc, Doc]:
    """The consultation and its contribution `cid` (not withdrawn, unless
    `withdrawn`), or 404."""
    c = await views.slug_or_404(web.store, slug)
    doc = await deposit_views.contribution(web.store, cid[:100])
    if doc is None or doc["consultation_id"] != c["id"] or (
            doc.get("withdrawn") and not withdrawn):
        raise HTTPException(404)
    return c, doc


class _Asked(NamedTuple):
    """Who asks what of which contribution, once the prologue every route shares held."""

    consultation: Doc
    doc: Doc
    who: ParticipantContext


async def _asked(web: Web, request: Request, slug: str, cid: str,
                 own: bool, withdrawn: bool = False) -> _Asked | Response:
    """The contribution (an `own` one for its author only: anyone else gets 404, so
    authorship is not disclosed) and the logged-in participant, or the login prompt.
    `withdrawn`: one its author withdrew already gets the page saying so (the
    withdrawal sent again, its page opened again), not the 404 page."""
    c, doc = await _contribution(web, slug, cid, withdrawn)
    who = await participant(web, request)
    if who is None:
        return login_prompt(web, request, c)
    if own and doc["author_id"] != who.participant_id:
        raise HTTPException(404)
    if doc.get("withdrawn"):
        return already_withdrawn(web, request, c, doc)
    return _Asked(c, doc, who)


def already_withdrawn(web: Web, request: Request, c: Doc, doc: Doc) -> Response:
    return _page(web, request, "deposit/withdrawn.html", {"consultation": c, "doc": doc})


async def _posted(web: Web, request: Request, slug: str, cid: str, action: str,
                  own: bool = True, withdrawn: bool = False
                  ) -> tuple[FormData, _Asked] | Response:
    """As `_asked` for a POST: the CSRF-checked form first, then the action's rate limit
    (a 429 page beyond it, ADR 0045)."""
    form = await checked_form(web, request)
    asked = await _asked(web, request, slug, cid, own, withdrawn)
    if isinstance(asked, Response):
        return asked
    await web.providers.check_limit(request, action)
    return form, asked


async def _send(web: Web, who: ParticipantContext, command: object) -> DomainError | None:
    try:
        await web.send_as(who.participant_id, command)
    except NotFound:
        raise HTTPException(404) from None
    except ConcurrencyConflict:
        return DomainError("conflict", "La contribution a changé entre-temps : rechargez la "
                                       "page et recommencez.")
    except DomainError as e:
        return e
    await web.deps.settle()
    return None


def _page(web: Web, request: Request, template: str, ctx: dict[str, Any],
          status: int = 200) -> Response:
    return admin_page(web, request, template, {"reasons": FLAG_REASONS, **ctx}, status=status)


# -- « Signaler » ---------------------------------------------------------------------


@router.get(BASE + "/signaler")
async def flag_form(request: Request, web: WebDep, slug: str, cid: str) -> Response:
    asked = await _asked(web, request, slug, cid, own=False)
    if isinstance(asked, Response):
        return asked
    return _page(web, request, "deposit/flag.html", {
        "consultation": asked.consultation, "doc": asked.doc,
        "back": back_to(slug, asked.doc), "values": {}})


@router.post(BASE + "/signaler", dependencies=PARTICIPANT_FORM)
async def flag(request: Request, web: WebDep, slug: str, cid: str) -> Response:
    posted = await _posted(web, request, slug, cid, "flag", own=False)
    if isinstance(posted, Response):
        return posted
    form, (c, doc, who) = posted
    reason = text(form, "motif")
    ctx = {"consultation": c, "doc": doc, "back": back_to(slug, doc), "values": {"motif": reason}}
    if reason not in FLAG_REASONS:
        return _page(web, request, "deposit/flag.html", {
            **ctx, "errors": {"__all__": "Choisissez un motif.", "motif": "Choisissez un motif."}},
            status=400)
    error = await _send(web, who, FlagContribution(doc["id"], who, reason))
    if error is not None:
        return refused(web, request, error.message)
    return RedirectResponse(f"{back_to(slug, doc)}?envoi=signalement", status_code=303)


# -- « Retirer ma contribution » --------------------------------------------------------


@router.get(BASE + "/retirer")
async def withdraw_form(request: Request, web: WebDep, slug: str, cid: str) -> Response:
    asked = await _asked(web, request, slug, cid, own=True, withdrawn=True)
    if isinstance(asked, Response):
        return asked
    c, doc = asked.consultation, asked.doc
    if not deposit_views.may_withdraw(doc, await deposit_views.policy_of(web.store, c["id"])):
        return refused(web, request, "Cette consultation ne permet pas de retirer une "
                                     "contribution.", status=403)
    return _page(web, request, "deposit/withdraw.html", {"consultation": c, "doc": doc})


@router.post(BASE + "/retirer", dependencies=PARTICIPANT_FORM)
async def withdraw(request: Request, web: WebDep, slug: str, cid: str) -> Response:
    posted = await _posted(web, request, slug, cid, "withdraw", withdrawn=True)
    if isinstance(posted, Response):
        return posted
    _, (c, doc, who) = posted
    error = await _send(web, who, WithdrawContribution(doc["id"], who))
    if error is not None and error.code == "withdrawn":  # a double click, ahead of the page
        return already_withdrawn(web, request, c, {**doc, "withdrawn": True})
    if error is not None:
        return refused(web, request, error.message, status=403)
    return RedirectResponse("/mes-contributions?envoi=retrait", status_code=303)


# -- « Modifier » --------------------------------------------------------------------------


@router.get(BASE + "/modifier")
async def edit_form(request: Request, web: WebDep, slug: str, cid: str) -> Response:
    asked = await _asked(web, request, slug, cid, own=True)
    if isinstance(asked, Response):
        return asked
    c, doc = asked.consultation, asked.doc
    if not deposit_views.may_edit(doc, c, await deposit_views.policy_of(web.store, c["id"])):
        return refused(web, request, "Cette contribution ne peut plus être modifiée : la "
                                     "consultation ne le permet pas, ou plus.", status=403)
    return _page(web, request, "deposit/edit.html", {
        "consultation": c, "doc": doc,
        "values": {"title": doc.get("title") or "", "body": doc["body"]}})


@router.post(BASE + "/modifier", dependencies=PARTICIPANT_FORM)
async def edit(request: Request, web: WebDep, slug: str, cid: str) -> Response:
    posted = await _posted(web, request, slug, cid, "edit")
    if isinstance(posted, Response):
        return posted
    form, (c, doc, who) = posted
    values = {"title": text(form, "title"), "body": text(form, "body")}
    error = await _send(web, who, EditContribution(doc["id"], who, values["body"],
                                                   values["title"]))
    if error is not None:
        return _page(web, request, "deposit/edit.html", {
            "consultation": c, "doc": doc, "values": values,
            "errors": errors_for(error, ("title", "body"))}, status=400)
    return RedirectResponse("/mes-contributions?envoi=modification", status_code=303)


# -- « Faire appel » ------------------------------------------------------------------------


@router.get(BASE + "/appel")
async def appeal_form(request: Request, web: WebDep, slug: str, cid: str) -> Response:
    asked = await _asked(web, request, slug, cid, own=True)
    if isinstance(asked, Response):
        return asked
    c, doc = asked.consultation, asked.doc
    if not deposit_views.may_appeal(await web.store.get(ITEMS, ALL, doc["id"])):
        return refused(web, request, "Cette contribution n'a pas été masquée ni refusée, ou "
                                     "vous avez déjà fait appel : il n'y a rien à contester.",
                       status=403)
    return _page(web, request, "deposit/appeal.html", {"consultation": c, "doc": doc,
                                                        "values": {}})


@router.post(BASE + "/appel", dependencies=PARTICIPANT_FORM)
async def appeal(request: Request, web: WebDep, slug: str, cid: str) -> Response:
    posted = await _posted(web, request, slug, cid, "appeal")
    if isinstance(posted, Response):
        return posted
    form, (c, doc, who) = posted
    values = {"text": text(form, "text")}
    error = await _send(web, who, LodgeAppeal(doc["id"], who, values["text"]))
    if error is not None:
        return _page(web, request, "deposit/appeal.html", {
            "consultation": c, "doc": doc, "values": values,
            "errors": errors_for(error, ("text",))}, status=400)
    return RedirectResponse("/mes-contributions?envoi=appel", status_code=303)
