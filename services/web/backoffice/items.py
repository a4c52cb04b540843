"""Back office: one existing item of a consultation. Edit questionnaires,
articles and meetings; remove documents, videos and questionnaires; cancel a
meeting; write or edit a meeting's minutes; a commission's page with its members
(add, remove) and reports (create, edit). Errors in French next to the field,
nothing saved on error."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation import content_commands as k
from services.core.ids import new_id
from services.web.backoffice import questionnaire_text
from services.web.backoffice.consultations import to_local_input
from services.web.backoffice.content import KINDS, int_field, send_form
from services.web.deps import Web
from services.web.forms import (
    FormError,
    admin_page,
    checked_form,
    require_organiser,
    submit,
    text,
)

EDITABLE = ("questionnaires", "articles", "rencontres")
REMOVABLE = {"questionnaires": k.RemoveQuestionnaire, "documents": k.RemoveDocument,
             "videos": k.RemoveVideo}
_MEETING_FIELDS = ("title", "description", "address", "postcode", "latitude", "longitude",
                   "capacity", "online_url")


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


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    store = web.deps.store

    async def consultation(cid: str) -> dict[str, Any]:
        c = await store.get("consultation_detail", "all", cid)
        if c is None:
            raise HTTPException(404)
        return c

    async def item(cid: str, kind: str, item_id: str) -> dict[str, Any]:
        if kind == "rencontres":
            doc = await store.get("meetings", "all", item_id)
        elif kind in KINDS:
            doc = await store.get(KINDS[kind].table, cid, item_id)
        else:
            doc = None
        if doc is None or doc.get("consultation_id") != cid:
            raise HTTPException(404)
        return doc

    async def edit_context(cid: str, kind: str, item_id: str) -> dict[str, Any]:
        if kind not in EDITABLE:
            raise HTTPException(404)
        doc = await item(cid, kind, item_id)
        return {"c": await consultation(cid), "spec": KINDS[kind], "item": doc,
                "item_id": item_id, "values": values_of(kind, doc)}

    @router.get("/admin/consultations/{cid}/{kind}/{item_id}")
    async def edit_form(request: Request, cid: str, kind: str, item_id: str) -> Response:
        require_organiser(web, request)
        if kind == "commissions":
            return admin_page(web, request, "backoffice/commission.html",
                              await commission_context(cid, item_id, None))
        return admin_page(web, request, "backoffice/item.html",
                          await edit_context(cid, kind, item_id))

    @router.post("/admin/consultations/{cid}/{kind}/{item_id}")
    async def edit(request: Request, cid: str, kind: str, item_id: str) -> Response:
        require_organiser(web, request)
        form = await checked_form(web, request)
        ctx = await edit_context(cid, kind, item_id)
        return await send_form(web, request, form, kind, cid, item_id,
                               template="backoffice/item.html", context=ctx,
                               success=f"/admin/consultations/{cid}/{kind}",
                               existing=ctx["item"])

    @router.post("/admin/consultations/{cid}/{kind}/{item_id}/suppression")
    async def remove(request: Request, cid: str, kind: str, item_id: str) -> Response:
        require_organiser(web, request)
        await checked_form(web, request)
        if kind not in REMOVABLE:
            raise HTTPException(404)
        await item(cid, kind, item_id)
        await web.deps.send(REMOVABLE[kind](item_id))
        await web.deps.settle()
        return RedirectResponse(f"/admin/consultations/{cid}/{kind}", status_code=303)

    @router.post("/admin/consultations/{cid}/rencontres/{meeting_id}/annulation")
    async def cancel(request: Request, cid: str, meeting_id: str) -> Response:
        require_organiser(web, request)
        await checked_form(web, request)
        await item(cid, "rencontres", meeting_id)
        await web.deps.send(k.CancelMeeting(meeting_id))
        await web.deps.settle()
        return RedirectResponse(f"/admin/consultations/{cid}/rencontres", status_code=303)

    async def minutes_context(cid: str, meeting_id: str) -> dict[str, Any]:
        meeting = await item(cid, "rencontres", meeting_id)
        minutes = meeting.get("minutes") or {}
        return {"c": await consultation(cid), "item": meeting,
                "values": {"summary": minutes.get("summary", ""),
                           "attendance": minutes.get("attendance", "")}}

    @router.get("/admin/consultations/{cid}/rencontres/{meeting_id}/compte-rendu")
    async def minutes_form(request: Request, cid: str, meeting_id: str) -> Response:
        require_organiser(web, request)
        return admin_page(web, request, "backoffice/minutes.html",
                          await minutes_context(cid, meeting_id))

    @router.post("/admin/consultations/{cid}/rencontres/{meeting_id}/compte-rendu")
    async def minutes(request: Request, cid: str, meeting_id: str) -> Response:
        require_organiser(web, request)
        form = await checked_form(web, request)
        ctx = await minutes_context(cid, meeting_id)
        command: object | None = None
        error: FormError | None = None
        try:
            attendance = int_field(form, "attendance")
            if attendance is None:
                raise FormError("attendance", "Indiquez le nombre de participants.")
            command = k.PublishMinutes(meeting_id, text(form, "summary"), attendance)
        except FormError as e:
            error = e
        return await submit(web, request, form, command, template="backoffice/minutes.html",
                            context=ctx, success=f"/admin/consultations/{cid}/rencontres",
                            parse_error=error)

    async def commission_context(cid: str, commission_id: str,
                                 report_id: str | None) -> dict[str, Any]:
        commission = await item(cid, "commissions", commission_id)
        report = next((r for r in commission["reports"] if r["report_id"] == report_id), None)
        if report_id is not None and report is None:
            raise HTTPException(404)
        values = {"title": report["title"], "body_markdown": report.get("body_markdown", "")} \
            if report else {}
        return {"c": await consultation(cid), "item": commission, "report": report,
                "values": values}

    @router.get("/admin/consultations/{cid}/commissions/{commission_id}/rapports/{report_id}")
    async def report_form(request: Request, cid: str, commission_id: str,
                          report_id: str) -> Response:
        require_organiser(web, request)
        return admin_page(web, request, "backoffice/commission.html",
                          await commission_context(cid, commission_id, report_id))

    @router.post("/admin/consultations/{cid}/commissions/{commission_id}/rapports/{report_id}")
    async def report(request: Request, cid: str, commission_id: str,
                     report_id: str) -> Response:
        """`report_id` "nouveau" writes a new report; any other edits that one."""
        require_organiser(web, request)
        form = await checked_form(web, request)
        ctx = await commission_context(cid, commission_id,
                                       None if report_id == "nouveau" else report_id)
        command = k.PublishCommissionReport(
            commission_id, new_id() if report_id == "nouveau" else report_id,
            text(form, "title"), text(form, "body_markdown"))
        here = f"/admin/consultations/{cid}/commissions/{commission_id}"
        return await submit(web, request, form, command, template="backoffice/commission.html",
                            context=ctx, success=here)

    @router.post("/admin/consultations/{cid}/commissions/{commission_id}/membres")
    async def add_member(request: Request, cid: str, commission_id: str) -> Response:
        require_organiser(web, request)
        form = await checked_form(web, request)
        ctx = await commission_context(cid, commission_id, None)
        command = k.AddCommissionMember(commission_id, new_id(), text(form, "display_name"),
                                        text(form, "role"))
        return await submit(web, request, form, command, template="backoffice/commission.html",
                            context=ctx,
                            success=f"/admin/consultations/{cid}/commissions/{commission_id}")

    @router.post("/admin/consultations/{cid}/commissions/{commission_id}/membres/{member_id}"
                 "/retrait")
    async def remove_member(request: Request, cid: str, commission_id: str,
                            member_id: str) -> Response:
        require_organiser(web, request)
        await checked_form(web, request)
        commission = await item(cid, "commissions", commission_id)
        if all(m["member_id"] != member_id for m in commission["members"]):
            raise HTTPException(404)
        await web.deps.send(k.RemoveCommissionMember(commission_id, member_id))
        await web.deps.settle()
        return RedirectResponse(f"/admin/consultations/{cid}/commissions/{commission_id}",
                                status_code=303)

    return router
