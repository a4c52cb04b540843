"""Back office: a commission renamed and redescribed, or removed, from the
commission list (ADR 0140). The edit form shows its name and description (its
members and reports have their own page); « Supprimer » asks on a confirmation
page without JavaScript (through htmx's confirm with it), which says what goes
with the commission and names the meetings that stay. Each route answers 404
for a commission of another consultation than its `{cid}` (`item_or_404`: the
role was checked on `{cid}`), and the commands name `{cid}` too, which the
consultation service checks again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation import content_commands as k
from services.core.errors import DomainError
from services.store.port import ReadStore
from services.web import views
from services.web.backoffice.commission_names import check_name_free, commission_form_errors
from services.web.backoffice.content import KINDS
from services.web.backoffice.guard import BACK_OFFICE
from services.web.backoffice.items import confirmation, item_or_404
from services.web.deps import WebDep
from services.web.forms import (
    FormError,
    admin_page,
    checked_form,
    read_field,
    require_organiser,
    submit,
    text,
)
from services.web.rendering import count_fr

TEMPLATE = "backoffice/commission_edit.html"
MEETINGS_NAMED = 10  # the meetings a removal's confirmation names, the others counted
PATH = "/admin/consultations/{cid}/commissions/{commission_id}"

router = APIRouter(dependencies=BACK_OFFICE)


def _listing(cid: str) -> str:
    return f"/admin/consultations/{cid}/commissions"


async def edit_context(store: ReadStore, cid: str, commission_id: str) -> dict[str, Any]:
    commission = await item_or_404(store, cid, "commissions", commission_id)
    return {"c": await views.consultation_or_404(store, cid), "item": commission,
            "values": {"name": commission["name"],
                       "description": commission.get("description", "")}}


@router.get(f"{PATH}/modification")
async def edit_form(request: Request, web: WebDep, cid: str, commission_id: str) -> Response:
    require_organiser(web, request)
    return admin_page(web, request, TEMPLATE, await edit_context(web.store, cid, commission_id))


@router.post(f"{PATH}/modification")
async def edit(request: Request, web: WebDep, cid: str, commission_id: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    ctx = await edit_context(web.store, cid, commission_id)
    name, description = text(form, "name"), text(form, "description")
    error: FormError | None = None
    try:  # a name taken is said with the description's refusal too (ADR 0144)
        found: list[FormError] = []
        read_field(found, check_name_free, ctx["c"], name, commission_id)
        commission_form_errors(found, name, description)
    except FormError as refused:
        error = refused
    return await submit(web, request, form,
                        k.EditCommission(commission_id, cid, name, description),
                        template=TEMPLATE, context=ctx, success=_listing(cid),
                        parse_error=error)


async def removal_warning(store: ReadStore, commission: dict[str, Any]) -> str:
    """What goes with the commission, and which of its meetings stay."""
    members, reports = len(commission["members"]), len(commission["reports"])
    held = [count_fr(members, "membre")] if members else []
    held += [count_fr(reports, "rapport publié", "rapports publiés")] if reports else []
    warning = "La suppression est définitive : la commission disparaîtra du site" + (
        f", avec {' et '.join(held)}." if held else ".")
    rows = await store.list("meetings_by_commission", commission["commission_id"],
                            limit=MEETINGS_NAMED + 1)
    titles = [f"« {doc['title']} »" for _, doc in rows]
    if len(titles) == 1:
        return f"{warning} La rencontre {titles[0]} est conservée, sans lien avec la commission."
    if titles:
        named = ", ".join(titles[:MEETINGS_NAMED])
        more = " et d'autres" if len(titles) > MEETINGS_NAMED else ""
        return (f"{warning} Ses rencontres sont conservées, sans lien avec la commission : "
                f"{named}{more}.")
    return warning


@router.get(f"{PATH}/suppression")
async def remove_form(request: Request, web: WebDep, cid: str, commission_id: str) -> Response:
    require_organiser(web, request)
    commission = await item_or_404(web.store, cid, "commissions", commission_id)
    return await confirmation(request, web, cid, KINDS["commissions"], commission_id,
                              what="Supprimer",
                              warning=await removal_warning(web.store, commission),
                              confirm="Oui, supprimer la commission", cancel="Non, la garder")


@router.post(f"{PATH}/suppression")
async def remove(request: Request, web: WebDep, cid: str, commission_id: str) -> Response:
    require_organiser(web, request)
    await checked_form(web, request)
    await item_or_404(web.store, cid, "commissions", commission_id)
    try:
        await web.deps.send(k.RemoveCommission(commission_id, cid))
    except DomainError as refused:
        return admin_page(web, request, "error.html", {
            "heading": "Suppression refusée", "message": refused.message,
            "back": _listing(cid)}, status=400)
    await web.deps.settle()
    return RedirectResponse(_listing(cid), status_code=303)
