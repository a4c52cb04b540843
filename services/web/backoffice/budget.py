"""Back office: a consultation's participatory budget (ADR 0067), for its
organiser (the role checked by the back-office guard). Envelopes per territory
(« Paris 11e : 500 000 € », or one for the whole consultation), and a cost and an
envelope for each published proposal put to the budget vote (a project). Plain
forms, no JavaScript; every change is an event on the budget's stream, decided
on that stream read from the log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.vote.commands import SetBudgetEnvelope, SetProjectCost
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import FormError, admin_page, checked_form, require_organiser, text
from services.web.vote.budget import budget_doc, envelopes
from services.web.vote.pages import contributions, published_items

PROJECTS_SHOWN = 200  # a budget vote is about a short list; the page stays bounded

router = APIRouter(dependencies=BACK_OFFICE)


def euros_field(form: FormData, name: str, what: str) -> int:
    """« 500 000 », « 500000 € » or « 500 000,00 » as whole euros."""
    raw = text(form, name).replace("€", "").replace("\u00a0", "").replace("\u202f", "")
    raw = raw.replace(" ", "").removesuffix(",00").removesuffix(".00")
    if not raw.isdecimal():
        raise FormError(name, f"{what} : indiquez un nombre entier d'euros, par exemple "
                        "500 000.")
    return int(raw)


async def context(web: Web, cid: str) -> dict[str, Any]:
    store = web.store
    consultation = await views.consultation_or_404(store, cid)
    doc = await budget_doc(store, cid)
    items = (await published_items(web).in_consultation(cid))[:PROJECTS_SHOWN]
    docs = await contributions(store, [i.item_id for i in items])  # as the public sees them
    proposals = [{"project_id": i.item_id,
                  "title": (docs.get(i.item_id) or {}).get("title") or i.item_id,
                  "cost": (doc["costs"].get(i.item_id) or {}).get("cost", ""),
                  "envelope_id": (doc["costs"].get(i.item_id) or {}).get("envelope_id", "")}
                 for i in items]
    return {"c": consultation, "envelopes": await envelopes(store, cid, published_only=False),
            "proposals": proposals, "values": {}}


@router.get("/admin/consultations/{cid}/budget")
async def page(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    return admin_page(web, request, "backoffice/budget.html", {
        **await context(web, cid), "saved": request.query_params.get("ok") == "1"})


@router.post("/admin/consultations/{cid}/budget/enveloppes")
async def set_envelope(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    ctx = await context(web, cid)
    try:
        amount = euros_field(form, "montant", "Le montant de l'enveloppe")
        await web.deps.send(SetBudgetEnvelope(cid, text(form, "territoire"), amount))
    except (FormError, DomainError) as e:
        return _refused(web, request, ctx, e, {"territoire": text(form, "territoire"),
                                               "montant": text(form, "montant")})
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}/budget?ok=1", 303)


@router.post("/admin/consultations/{cid}/budget/projets/{project_id}")
async def set_cost(request: Request, web: WebDep, cid: str, project_id: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    ctx = await context(web, cid)
    try:
        cost = euros_field(form, "cout", "Le coût du projet")
        await web.deps.send(SetProjectCost(cid, project_id, text(form, "enveloppe"), cost))
    except (FormError, DomainError) as e:
        return _refused(web, request, ctx, e, {"cout": text(form, "cout")}, project=project_id)
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}/budget?ok=1#projet-{project_id}", 303)


# The commands' fields as the forms name them (the envelope's, a project's).
FORM_FIELDS = {"territory": "territoire", "amount": "montant", "cost": "cout",
               "envelope_id": "enveloppe"}


def _refused(web: Web, request: Request, ctx: dict[str, Any], e: FormError | DomainError,
             values: dict[str, str], project: str = "") -> Response:
    """The page again with the message beside the field of the form sent (`project`:
    the project whose cost form it was), listed in the error summary."""
    field = FORM_FIELDS.get(e.field or "", e.field or "__all__")
    return admin_page(web, request, "backoffice/budget.html", {
        **ctx, "values": values, "errors": {field: e.message}, "project": project},
        status=400)
