"""Back office: import questionnaires from a file (ADR 0063). Three steps, each
a page: the upload form (a file in the Grand Débat, CSV or JSON format, or the
Grand Débat questionnaire shipped with Parlons) -> a preview of what would be
created, or the errors of the file line by line (nothing can be imported then)
-> the confirmation, which saves them through `SaveQuestionnaire`.

The preview carries the file's text and an import key in its form (no server
state between the steps, so any front replica can take the confirmation); the
questionnaire ids come from that key and the commands only write what has never
existed, so a double submit or a retry imports once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.apikit.deps import rate_limited
from services.consultation.granddebat import DATA_DIR
from services.consultation.imports import (
    FORMATS,
    MAX_BYTES,
    Issue,
    Parsed,
    decode,
    parse_file,
    preview,
)
from services.consultation.imports.model import MAX_QUESTIONNAIRES
from services.consultation.questionnaire import MAX_QUESTIONS
from services.core.errors import DomainError
from services.core.ids import new_id
from services.core.values import ident
from services.deposit.queries import has_responses
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, require_organiser, text

TEMPLATE = "backoffice/questionnaire_import.html"
SHIPPED = "granddebat-fourni"

router = APIRouter(dependencies=BACK_OFFICE)


def path(cid: str) -> str:
    return f"/admin/consultations/{cid}/questionnaires/importer"


async def _page(web: Web, request: Request, cid: str, *, status: int = 200,
                **context: Any) -> Response:
    c = await views.consultation_or_404(web.store, cid)
    issues = context.get("issues") or []
    # the file's errors are listed by the page's summary, which leads to its field
    errors = {"file": "Corrigez le fichier puis envoyez-le à nouveau."} if issues else {}
    return admin_page(web, request, TEMPLATE, {
        "c": c, "formats": FORMATS, "max_kb": MAX_BYTES // 1024, "action": path(cid),
        "parsed": None, "issues": [], "errors": errors, **context}, status=status)


@router.get("/admin/consultations/{cid}/questionnaires/importer")
async def upload_form(request: Request, web: WebDep, cid: str) -> Response:
    require_organiser(web, request)
    return await _page(web, request, cid)


@router.get("/admin/consultations/{cid}/questionnaires/importer/aide")
async def formats_help(request: Request, web: WebDep, cid: str) -> Response:
    """The formats an import reads, with examples, in French (docs/questionnaire-
    import.md says the same for developers and the CLI; organisers cannot open it)."""
    require_organiser(web, request)
    return admin_page(web, request, "backoffice/questionnaire_import_help.html", {
        "c": await views.consultation_or_404(web.store, cid), "action": path(cid),
        "max_kb": MAX_BYTES // 1024, "max_questionnaires": MAX_QUESTIONNAIRES,
        "max_questions": MAX_QUESTIONS})


@router.post("/admin/consultations/{cid}/questionnaires/importer",
             dependencies=[rate_limited("questionnaire_import")])
async def show_preview(request: Request, web: WebDep, cid: str) -> Response:
    """What the file would create, or its errors; nothing is saved yet."""
    require_organiser(web, request)
    form = await checked_form(web, request)
    fmt = text(form, "format") or None
    upload = form.get("file")
    if text(form, "source") == SHIPPED:
        data, fmt = (DATA_DIR / "questions.csv").read_bytes(), "granddebat"
    elif isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_BYTES + 1)  # never more than the limit in memory
    else:
        return await _page(web, request, cid, status=400, issues=[
            Issue("Fichier", "choisissez un fichier, ou le questionnaire du Grand Débat.")])
    parsed = parse_file(data, fmt if fmt in FORMATS else None,
                        upload.filename or "" if isinstance(upload, UploadFile) else "")
    return await _preview(web, request, cid, parsed, decode(data) if parsed.ok else "",
                          fmt or "", new_id())


async def _preview(web: Web, request: Request, cid: str, parsed: Parsed, source: str,
                   fmt: str, key: str) -> Response:
    return await _page(web, request, cid, status=200 if parsed.ok else 400, parsed=parsed,
                       issues=list(parsed.issues), sheets=preview(parsed),
                       source=source, chosen=fmt, key=key)


@router.post("/admin/consultations/{cid}/questionnaires/importer/confirmation")
async def confirm(request: Request, web: WebDep, cid: str) -> Response:
    """Saves the previewed questionnaires (checked again: the form came back
    from the browser)."""
    require_organiser(web, request)
    form = await checked_form(web, request)
    await views.consultation_or_404(web.store, cid)
    source, fmt, key = text(form, "source"), text(form, "format"), text(form, "key")
    parsed = parse_file(source.encode("utf-8"), fmt if fmt in FORMATS else None)
    try:
        ident(key, "key")
    except DomainError:
        parsed = Parsed(issues=(Issue("Formulaire", "recommencez l'import."),))
    if not parsed.ok:
        return await _preview(web, request, cid, parsed, "", fmt, key)
    try:
        for command in parsed.commands(cid, key):
            # Never over a saved questionnaire (`if_absent`); were it to, answers
            # would keep their meaning (ADR 0137).
            answered = await has_responses(web.store, command.questionnaire_id)
            await web.deps.send(replace(command, answered=answered))
    except DomainError as e:
        return await _preview(web, request, cid, Parsed(
            parsed.sheets, (Issue("Import", e.message),)), "", fmt, key)
    await web.deps.settle()
    return RedirectResponse(f"/admin/consultations/{cid}/questionnaires", status_code=303)

