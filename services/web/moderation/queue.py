"""Back office: the moderator's queue and decisions for one consultation
(`/admin/moderation/<cid>/...`). The identity guard lets in only the holders of
`moderator` or `admin` on <cid> (and the platform admin); each item is checked
to belong to <cid>, and the commands name <cid> too: their handlers refuse a
contribution of another consultation (ADR 0133, amendment of 2026-12-08). Every
POST carries the form's CSRF token; pages work without JavaScript (POST, then
redirect to the page showing the result)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import ConcurrencyConflict, DomainError, NotFound
from services.core.participants import ModeratorContext
from services.identity.queries import Capability, may
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    DecideCampaign,
    MaskPersonalData,
)
from services.moderation.model import APPROVAL_REASONS, charter_reasons
from services.moderation.queue import ALL, CAMPAIGNS, CHARTERS, ITEMS, QUEUE
from services.store.port import Doc, ReadStore
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import visitor
from services.web.views import consultation_or_404

PAGE = 20
CAMPAIGN_PAGE = 100
DECISION_LABELS = {"approved": "Approuver", "hidden": "Masquer", "rejected": "Refuser"}
STATUS_LABELS = {"pending": "En attente", "approved": "Approuvée", "hidden": "Masquée",
                 "rejected": "Refusée", "withdrawn": "Retirée par son auteur"}
KIND_LABELS = {"proposal": "Proposition", "response": "Réponse au questionnaire",
               "argument": "Argument", "comment": "Commentaire"}
SEVERITY_LABELS = {0: "—", 1: "Faible", 2: "Moyenne", 3: "Élevée"}
# The commands' fields as the item's and the campaign's forms name them: a refusal
# is shown beside its field and linked from the error summary.
FORM_FIELDS = {"reason_code": "motif", "decision": "decision", "outcome": "issue",
               "body": "texte"}


def refusal(e: DomainError | NotFound, missing: str) -> dict[str, str]:
    """A refused command as the form's errors (`missing`: what NotFound means)."""
    if isinstance(e, NotFound):
        return {"__all__": missing}
    return {FORM_FIELDS.get(e.field or "", "__all__"): e.message}

router = APIRouter(dependencies=BACK_OFFICE)


def base(cid: str) -> str:
    return f"/admin/moderation/{cid}"


def moderator(web: Web, request: Request) -> ModeratorContext:
    who = visitor(web, request)
    assert who is not None  # the guard let only moderators in
    return ModeratorContext(who.id)


async def item_of(store: ReadStore, cid: str, item_id: str) -> Doc:
    item = await store.get(ITEMS, ALL, item_id)
    if item is None or item["kind"] is None or item["consultation_id"] != cid:
        raise HTTPException(404)  # per object: an item of another consultation is unknown
    return item


async def reasons(store: ReadStore, cid: str) -> dict[str, str]:
    return charter_reasons(await store.get(CHARTERS, ALL, cid))


async def item_page(web: Web, request: Request, cid: str, item_id: str, *,
                    errors: dict[str, str] | None = None, status: int = 200) -> Response:
    item = await item_of(web.store, cid, item_id)
    masked = {}
    for s in item["suggestions"]:
        if s["code"] == "personal_data":
            masked.update(s["masked"])
    return admin_page(web, request, "moderation/item.html", {
        "consultation": await consultation_or_404(web.store, cid), "item": item,
        "base": base(cid), "reasons": await reasons(web.store, cid),
        "approval_reasons": APPROVAL_REASONS, "decisions": DECISION_LABELS,
        "statuses": STATUS_LABELS, "kinds": KIND_LABELS, "severities": SEVERITY_LABELS,
        "masked": masked, "me": moderator(web, request).moderator_id,
        "errors": errors or {},
    }, status=status)


async def act(web: Web, request: Request, cid: str, item_id: str, command: object
              ) -> Response:
    """Run a moderator's command on an item; the item's page with the French
    refusal, or a redirect to it once the read models show the change."""
    try:
        try:
            await web.deps.send(command)
        except ConcurrencyConflict:
            # The item's read model was behind its stream (often this moderator's
            # own previous action): wait for it and decide again on fresh state;
            # the domain re-checks the claim and the status.
            await web.deps.settle()
            await web.deps.send(command)
    except ConcurrencyConflict:
        return await item_page(web, request, cid, item_id, status=409, errors={"__all__": (
            "Cette contribution a été modifiée entre-temps. Relisez-la puis "
            "recommencez.")})
    except (DomainError, NotFound) as e:
        return await item_page(web, request, cid, item_id, status=400,
                               errors=refusal(e, "Contribution introuvable."))
    await web.deps.settle()
    return RedirectResponse(f"{base(cid)}/elements/{item_id}", status_code=303)


@router.get("/admin/moderation/{cid}")
async def queue(request: Request, web: WebDep, cid: str, apres: str = "") -> Response:
    """Most severe first, then oldest (the read model's key order)."""
    rows = await web.store.list(QUEUE, cid, limit=PAGE, after=apres[:200] or None)
    who = visitor(web, request)
    # The charter is the organisers' to edit: a moderator gets no link to a refusal.
    edits_charter = who is not None and (who.is_admin or await may(
        web.store, who.id, cid, Capability.MANAGE))
    return admin_page(web, request, "moderation/queue.html", {
        "consultation": await consultation_or_404(web.store, cid),
        "edits_charter": edits_charter,
        "items": [d for _, d in rows],
        "next": rows[-1][0] if len(rows) == PAGE else None, "base": base(cid),
        "kinds": KIND_LABELS, "severities": SEVERITY_LABELS, "statuses": STATUS_LABELS})


@router.get("/admin/moderation/{cid}/elements/{item_id}")
async def item(request: Request, web: WebDep, cid: str, item_id: str) -> Response:
    return await item_page(web, request, cid, item_id)


@router.post("/admin/moderation/{cid}/elements/{item_id}/prise")
async def claim(request: Request, web: WebDep, cid: str, item_id: str) -> Response:
    await checked_form(web, request)
    await item_of(web.store, cid, item_id)
    return await act(web, request, cid, item_id, ClaimItem(item_id, cid, moderator(web, request)))


@router.post("/admin/moderation/{cid}/elements/{item_id}/decision")
async def decide(request: Request, web: WebDep, cid: str, item_id: str) -> Response:
    form = await checked_form(web, request)
    await item_of(web.store, cid, item_id)
    choice = text(form, "decision")
    reason = "conforme" if choice == "approved" else text(form, "motif")
    read = text(form, "version_texte")  # the text's version the page showed (ADR 0135)
    return await act(web, request, cid, item_id,
                     Decide(item_id, cid, moderator(web, request), choice, reason,
                            int(read) if read.isdigit() and len(read) < 10 else 0))


@router.post("/admin/moderation/{cid}/elements/{item_id}/masquage")
async def mask(request: Request, web: WebDep, cid: str, item_id: str) -> Response:
    form = await checked_form(web, request)
    await item_of(web.store, cid, item_id)
    return await act(web, request, cid, item_id, MaskPersonalData(
        item_id, cid, moderator(web, request), text(form, "titre"), text(form, "texte")))


@router.post("/admin/moderation/{cid}/elements/{item_id}/recours")
async def appeal(request: Request, web: WebDep, cid: str, item_id: str) -> Response:
    form = await checked_form(web, request)
    await item_of(web.store, cid, item_id)
    outcome = text(form, "issue")
    reason = "conforme" if outcome == "overturned" else text(form, "motif") or "conforme"
    return await act(web, request, cid, item_id,
                     DecideAppeal(item_id, cid, moderator(web, request), outcome, reason))


async def campaign_page(web: Web, request: Request, cid: str, group_id: str, *,
                        errors: dict[str, str] | None = None, decided: int | None = None,
                        status: int = 200) -> Response:
    store = web.store
    rows = await store.list(CAMPAIGNS, group_id, limit=CAMPAIGN_PAGE)
    ids = [d["id"] for _, d in rows if d["consultation_id"] == cid]
    if not ids:
        raise HTTPException(404)
    members = await store.get_many(ITEMS, ALL, ids)
    context: dict[str, Any] = {
        "consultation": await consultation_or_404(store, cid), "group_id": group_id,
        "base": base(cid), "members": [members[i] for i in ids if i in members],
        "more": len(rows) == CAMPAIGN_PAGE,
        "reasons": await reasons(store, cid), "decisions": DECISION_LABELS,
        "statuses": STATUS_LABELS, "decided": decided,
        "errors": errors or {}}
    return admin_page(web, request, "moderation/campaign.html", context, status=status)


@router.get("/admin/moderation/{cid}/campagnes/{group_id}")
async def campaign(request: Request, web: WebDep, cid: str, group_id: str,
                   decidees: int = -1) -> Response:
    return await campaign_page(web, request, cid, group_id,
                               decided=decidees if decidees >= 0 else None)


@router.post("/admin/moderation/{cid}/campagnes/{group_id}")
async def campaign_decision(request: Request, web: WebDep, cid: str, group_id: str
                            ) -> Response:
    form = await checked_form(web, request)
    choice = text(form, "decision")
    reason = "conforme" if choice == "approved" else text(form, "motif")
    try:
        decided = await web.deps.send(DecideCampaign(cid, group_id, moderator(web, request),
                                                     choice, reason))
    except (DomainError, NotFound) as e:
        return await campaign_page(web, request, cid, group_id, status=400,
                                   errors=refusal(e, "Campagne introuvable."))
    await web.deps.settle()
    return RedirectResponse(f"{base(cid)}/campagnes/{group_id}?decidees={int(decided)}",
                            status_code=303)
