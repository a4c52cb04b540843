"""Back office: one existing item of a consultation. Edit questionnaires,
articles and meetings; publish or withdraw an article; open a document; remove
documents, videos and questionnaires, or cancel a meeting (each asked on a
confirmation page without JavaScript, through htmx's confirm with it); write or
edit a meeting's minutes; a commission's page with its members (add, remove) and
reports (create, edit).
Errors in French next to the field, nothing saved on error. Each route answers
404 for an item of another consultation than its `{cid}` (`item_or_404`): the
role was checked on `{cid}`. The commands name `{cid}` too, which the
consultation service checks again on the item's stream (ADR 0133 amended)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation import content_commands as k
from services.core.errors import DomainError
from services.core.ids import new_id, request_id
from services.deposit.queries import has_responses
from services.store.port import ReadStore
from services.web import views
from services.web.backoffice import questionnaire_text
from services.web.backoffice.consultations import to_local_input
from services.web.backoffice.content import (
    KINDS,
    REMOVAL_REFUSALS,
    ContentKind,
    Kind,
    int_field,
    send_form,
)
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import WebDep
from services.web.documents import document_response
from services.web.forms import (
    FormError,
    admin_page,
    checked_form,
    require_organiser,
    submit,
    text,
)
from services.web.questionnaire_steps import questionnaire_step
from services.web.rendering import private_page

EDITABLE = ("questionnaires", "articles", "rencontres")
REMOVABLE = {"questionnaires": k.RemoveQuestionnaire, "documents": k.RemoveDocument,
             "videos": k.RemoveVideo}
_MEETING_FIELDS = ("title", "description", "address", "postcode", "latitude", "longitude",
                   "capacity", "online_url")

router = APIRouter(dependencies=BACK_OFFICE)


def values_of(kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """What the edit form shows for a read-model doc."""
    if kind == "questionnaires":
        return {"title": doc["title"], "description": doc.get("description", ""),
                "questions": questionnaire_text.render(doc["questions"])}
    if kind == "articles":
        return {key: doc.get(key, "") for key in ("title", "summary", "body_markdown")}
    values = {key: "" if doc.get(key) is None else doc[key] for key in _MEETING_FIELDS}
    return {**values, "starts_at": to_local_input(doc["starts_at"]),
            "ends_at": to_local_input(doc["ends_at"])}


async def item_or_404(store: ReadStore, cid: str, kind: str, item_id: str) -> dict[str, Any]:
    """The item of this consultation, or a 404 page (also for another's item)."""
    if kind == "rencontres":
        doc = await store.get("meetings", "all", item_id)
    else:
        doc = await store.get(KINDS[kind].table, cid, item_id)
    if doc is None or doc.get("consultation_id") != cid:
        raise HTTPException(404)
    return doc


async def edit_context(store: ReadStore, cid: str, spec: Kind, item_id: str) -> dict[str, Any]:
    doc = await item_or_404(store, cid, spec.segment, item_id)
    answered = spec.segment == "questionnaires" and await has_responses(store, item_id)
    return {"c": await views.consultation_or_404(store, cid), "spec": spec, "item": doc,
            "item_id": item_id, "values": values_of(spec.segment, doc), "answered": answered}


async def edit_form(request: Request, web: WebDep, cid: str, item_id: str,
                    spec: ContentKind) -> Response:
    require_organiser(web, request)
    return admin_page(web, request, "backoffice/item.html",
                      await edit_context(web.store, cid, spec, item_id))


async def edit(request: Request, web: WebDep, cid: str, item_id: str,
               spec: ContentKind) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    ctx = await edit_context(web.store, cid, spec, item_id)
    return await send_form(web, request, form, spec.segment, cid, item_id,
                           template="backoffice/item.html", context=ctx,
                           success=f"/admin/consultations/{cid}/{spec.segment}",
                           existing=ctx["item"], answered=ctx["answered"])


async def confirmation(request: Request, web: WebDep, cid: str, spec: Kind, item_id: str,
                       *, what: str, warning: str, confirm: str, cancel: str) -> Response:
    """A definitive action's confirmation page, for a browser without JavaScript
    (with it, the list's button asks through htmx's confirm and posts at once):
    its form posts to the same address, which acts."""
    require_organiser(web, request)
    item = await item_or_404(web.store, cid, spec.segment, item_id)
    label, base = item[spec.title_key], f"/admin/consultations/{cid}/{spec.segment}"
    return admin_page(web, request, "backoffice/confirm.html", {
        "c": await views.consultation_or_404(web.store, cid),
        "heading": f"{what} « {label} » ?", "warning": warning,
        "action": request.url.path, "confirm": confirm, "cancel": cancel, "back": base,
        "back_label": spec.heading})


async def remove_form(request: Request, web: WebDep, cid: str, item_id: str,
                      spec: ContentKind) -> Response:
    return await confirmation(request, web, cid, spec, item_id, what="Supprimer",
                              warning="La suppression est définitive.",
                              confirm="Oui, supprimer", cancel="Non, garder")


async def remove(request: Request, web: WebDep, cid: str, item_id: str,
                 spec: ContentKind) -> Response:
    require_organiser(web, request)
    await checked_form(web, request)
    await item_or_404(web.store, cid, spec.segment, item_id)
    command: object = (  # a questionnaire's answers depend on it (ADR 0137)
        k.RemoveQuestionnaire(item_id, cid, answered=await has_responses(web.store, item_id))
        if spec.segment == "questionnaires" else REMOVABLE[spec.segment](item_id, cid))
    listing = f"/admin/consultations/{cid}/{spec.segment}"
    try:
        await web.deps.send(command)
    except DomainError as refused:
        if refused.code in REMOVAL_REFUSALS:  # said on the list, which htmx swaps in
            return RedirectResponse(f"{listing}?refus={refused.code}", status_code=303)
        return admin_page(web, request, "error.html", {
            "heading": "Suppression refusée", "message": refused.message, "back": listing},
            status=400)
    await web.deps.settle()
    return RedirectResponse(listing, status_code=303)


for _segment in EDITABLE:  # each kind's own routes: see content.ContentKind
    # `ref`: an item id is never a page name (/questionnaires/importer)
    router.add_api_route(f"/admin/consultations/{{cid}}/{_segment}/{{item_id:ref}}", edit_form,
                         methods=["GET"])
    router.add_api_route(f"/admin/consultations/{{cid}}/{_segment}/{{item_id:ref}}", edit,
                         methods=["POST"])
for _segment in REMOVABLE:
    router.add_api_route(f"/admin/consultations/{{cid}}/{_segment}/{{item_id}}/suppression",
                         remove_form, methods=["GET"])
    router.add_api_route(f"/admin/consultations/{{cid}}/{_segment}/{{item_id}}/suppression",
                         remove, methods=["POST"])


@router.post("/admin/consultations/{cid}/articles/{article_id}/publication")
async def article_publication(request: Request, web: WebDep, cid: str,
                              article_id: str) -> Response:
    """Publishes or withdraws an article of this consultation (404 for another's:
    the organiser's role was checked on `cid`)."""
    require_organiser(web, request)
    form = await checked_form(web, request)
    await item_or_404(web.store, cid, "articles", article_id)
    await web.deps.send(k.PublishArticle(article_id, cid) if text(form, "action") == "publier"
                        else k.UnpublishArticle(article_id, cid))
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}/articles", status_code=303)


@router.get("/admin/consultations/{cid}/articles/{article_id}/apercu")
async def article_preview(request: Request, web: WebDep, cid: str,
                          article_id: str) -> Response:
    """An article as the public will read it, published or not (its public page
    answers 404 until both it and its consultation are published): what the
    consultation's « Aperçu » links to."""
    require_organiser(web, request)
    article = await item_or_404(web.store, cid, "articles", article_id)
    return private_page(request, web.env, "public/article.html", {
        "consultation": await views.consultation_or_404(web.store, cid), "item": article,
        "preview": True})


@router.get("/admin/consultations/{cid}/questionnaires/{questionnaire_id}/apercu")
async def questionnaire_preview(request: Request, web: WebDep, cid: str,
                                questionnaire_id: str) -> Response:
    """A questionnaire as respondents will see it, its follow-up questions shown by
    the same steps, before the consultation is published (its public page answers
    404 until then); nothing can be sent from it."""
    require_organiser(web, request)
    questionnaire = await item_or_404(web.store, cid, "questionnaires", questionnaire_id)
    # with its phases' status now, as its public page has it
    consultation = views.decorate(await views.consultation_or_404(web.store, cid),
                                  datetime.now(UTC))
    return private_page(request, web.env, "public/questionnaire.html", {
        "consultation": consultation, "item": questionnaire, "preview": True,
        **questionnaire_step(questionnaire, consultation, request)})


@router.get("/admin/consultations/{cid}/documents/{document_id}")
async def document(request: Request, web: WebDep, cid: str, document_id: str) -> Response:
    """A document for its consultation's team, published or not: the public's
    address answers 404 until the consultation is published."""
    require_organiser(web, request)
    doc = await item_or_404(web.store, cid, "documents", document_id)
    content = None if web.deps.read_blob is None else await web.deps.read_blob(doc["sha256"])
    if content is None:
        raise HTTPException(404)
    return document_response(doc, content, "private, no-store")


@router.get("/admin/consultations/{cid}/rencontres/{meeting_id}/annulation")
async def cancel_form(request: Request, web: WebDep, cid: str, meeting_id: str) -> Response:
    return await confirmation(
        request, web, cid, KINDS["rencontres"], meeting_id, what="Annuler",
        warning="L'annulation est définitive : la rencontre ne pourra plus être modifiée ni "
                "recevoir d'inscriptions. Les personnes inscrites et celles en liste "
                "d'attente en seront prévenues par courriel.",
        confirm="Oui, annuler la rencontre", cancel="Non, la maintenir")


@router.post("/admin/consultations/{cid}/rencontres/{meeting_id}/annulation")
async def cancel(request: Request, web: WebDep, cid: str, meeting_id: str) -> Response:
    require_organiser(web, request)
    await checked_form(web, request)
    await item_or_404(web.store, cid, "rencontres", meeting_id)
    await web.deps.send(k.CancelMeeting(meeting_id, cid))
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}/rencontres", status_code=303)


async def minutes_context(store: ReadStore, cid: str, meeting_id: str) -> dict[str, Any]:
    meeting = await item_or_404(store, cid, "rencontres", meeting_id)
    minutes = meeting.get("minutes") or {}
    return {"c": await views.consultation_or_404(store, cid), "item": meeting,
            "values": {"summary": minutes.get("summary", ""),
                       "attendance": minutes.get("attendance", "")}}


@router.get("/admin/consultations/{cid}/rencontres/{meeting_id}/compte-rendu")
async def minutes_form(request: Request, web: WebDep, cid: str, meeting_id: str) -> Response:
    require_organiser(web, request)
    return admin_page(web, request, "backoffice/minutes.html",
                      await minutes_context(web.store, cid, meeting_id))


@router.post("/admin/consultations/{cid}/rencontres/{meeting_id}/compte-rendu")
async def minutes(request: Request, web: WebDep, cid: str, meeting_id: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    ctx = await minutes_context(web.store, cid, meeting_id)
    command: object | None = None
    error: FormError | None = None
    try:
        attendance = int_field(form, "attendance")
        if attendance is None:
            raise FormError("attendance", "Indiquez le nombre de participants.")
        command = k.PublishMinutes(meeting_id, cid, text(form, "summary"), attendance)
    except FormError as e:
        error = e
    return await submit(web, request, form, command, template="backoffice/minutes.html",
                        context=ctx, success=f"/admin/consultations/{cid}/rencontres",
                        parse_error=error)


async def commission_context(store: ReadStore, cid: str, commission_id: str,
                             report_id: str | None) -> dict[str, Any]:
    commission = await item_or_404(store, cid, "commissions", commission_id)
    report = next((r for r in commission["reports"] if r["report_id"] == report_id), None)
    if report_id is not None and report is None:
        raise HTTPException(404)
    values = {"title": report["title"], "body_markdown": report.get("body_markdown", "")} \
        if report else {}
    return {"c": await views.consultation_or_404(store, cid), "item": commission,
            "report": report, "values": values,
            "member_key": new_id(), "report_key": new_id()}  # the forms' one-time keys


def _created_id(kind: str, commission_id: str, form: Any) -> str:
    """The id of the member or report a form adds, derived from its one-time key
    (`cle`): the same form sent again, through any front, names the same one, which
    the commission's stream then already holds (ADR 0081)."""
    key = text(form, "cle")
    return request_id(kind, commission_id, key) if key else new_id()


async def _commission_page(request: Request, web: WebDep, cid: str, commission_id: str,
                           report_id: str | None) -> Response:
    require_organiser(web, request)
    return admin_page(web, request, "backoffice/commission.html",
                      await commission_context(web.store, cid, commission_id, report_id))


@router.get("/admin/consultations/{cid}/commissions/{commission_id}")
async def commission_page(request: Request, web: WebDep, cid: str,
                          commission_id: str) -> Response:
    """The commission, its members, its reports and a form for a new one."""
    return await _commission_page(request, web, cid, commission_id, None)


@router.get("/admin/consultations/{cid}/commissions/{commission_id}/rapports/{report_id}")
async def report_form(request: Request, web: WebDep, cid: str, commission_id: str,
                      report_id: str) -> Response:
    """The same page with this report in the form, to edit it."""
    return await _commission_page(request, web, cid, commission_id, report_id)


@router.post("/admin/consultations/{cid}/commissions/{commission_id}/rapports/{report_id}")
async def report(request: Request, web: WebDep, cid: str, commission_id: str,
                 report_id: str) -> Response:
    """`report_id` "nouveau" writes a new report; any other edits that one."""
    require_organiser(web, request)
    form = await checked_form(web, request)
    ctx = await commission_context(web.store, cid, commission_id,
                                   None if report_id == "nouveau" else report_id)
    command = k.PublishCommissionReport(
        commission_id, cid,
        _created_id("commission-report", commission_id, form) if report_id == "nouveau"
        else report_id,
        text(form, "title"), text(form, "body_markdown"))
    here = f"/admin/consultations/{cid}/commissions/{commission_id}"
    return await submit(web, request, form, command, template="backoffice/commission.html",
                        context=ctx, success=here)


@router.post("/admin/consultations/{cid}/commissions/{commission_id}/membres")
async def add_member(request: Request, web: WebDep, cid: str, commission_id: str) -> Response:
    require_organiser(web, request)
    form = await checked_form(web, request)
    ctx = await commission_context(web.store, cid, commission_id, None)
    command = k.AddCommissionMember(commission_id, cid,
                                    _created_id("commission-member", commission_id, form),
                                    text(form, "display_name"), text(form, "role"))
    return await submit(web, request, form, command, template="backoffice/commission.html",
                        context=ctx,
                        success=f"/admin/consultations/{cid}/commissions/{commission_id}")


@router.post("/admin/consultations/{cid}/commissions/{commission_id}/membres/{member_id}"
             "/retrait")
async def remove_member(request: Request, web: WebDep, cid: str, commission_id: str,
                        member_id: str) -> Response:
    require_organiser(web, request)
    await checked_form(web, request)
    commission = await item_or_404(web.store, cid, "commissions", commission_id)
    if all(m["member_id"] != member_id for m in commission["members"]):
        raise HTTPException(404)
    await web.deps.send(k.RemoveCommissionMember(commission_id, cid, member_id))
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}/commissions/{commission_id}",
                            status_code=303)
