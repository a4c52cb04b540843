"""Participation forms: answering a questionnaire (progressive steps, no
JavaScript needed), a proposal, an argument for or against, a comment.

Who submits comes from the identity session (`identity_session.visitor`): a
participant session, never the back-office admin. Every form carries a key
(`cle`, a fresh UUIDv7 made when the form is shown) used as the contribution
id: a double click or a resubmitted page targets the same stream, which the log
refuses to create twice, and the participant is shown the first answer. CSRF is
checked on every POST (`forms.checked_form`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation import phases as ph
from services.core.contexts import ParticipantContext
from services.core.errors import ConcurrencyConflict, DomainError, NotFound
from services.core.ids import new_id
from services.deposit.commands import SubmitArgument, SubmitComment, SubmitProposal, SubmitResponse
from services.identity.queries import identity_level
from services.store.port import Doc
from services.web import views
from services.web.deposit import answers as deposit_answers
from services.web.deposit import views as deposit_views
from services.web.deps import Web
from services.web.forms import admin_page, checked_form, text
from services.web.search import public as search_public
from services.web.session import unproven, visitor

FIELDS = {"proposal": ("title", "body", "theme_id", "territory"), "argument": ("side", "body"),
          "comment": ("body",)}


async def participant(web: Web, request: Request) -> ParticipantContext | None:
    """The session's participant and identity level (the identity read model's,
    or the session's own claim while that projection catches up)."""
    who = visitor(web, request)
    if who is None or who.kind != "participant":
        return None
    level = await identity_level(web.deps.store, who.id)
    if level == "anonymous" and who.level in ("email", "verified"):
        level = who.level
    return ParticipantContext(who.id, level, unproven=await unproven(web.deps.store, who, level))


def login_prompt(web: Web, request: Request, consultation: Doc) -> Response:
    here = quote(request.url.path)
    return admin_page(web, request, "deposit/login_needed.html", {
        "consultation": consultation, "suite": here}, status=401)


async def send_once(web: Web, who: ParticipantContext, key: str,
                    command: object) -> DomainError | None:
    """None when the command was accepted now or earlier with this very key (a
    resubmitted form), else the refusal to show."""
    try:
        await web.deps.send(command)
        return None
    except NotFound:
        raise HTTPException(404) from None
    except ConcurrencyConflict:
        refusal = DomainError("already_sent", "Ce formulaire a déjà été envoyé.")
    except DomainError as e:
        if e.code != "already_answered":
            return e
        refusal = e
    await web.deps.settle()
    first = await deposit_views.contribution(web.deps.store, key)
    if first is not None and first["author_id"] == who.participant_id:
        return None  # the same form sent twice: the first answer stands
    return refusal


def errors_for(error: DomainError, fields: tuple[str, ...]) -> dict[str, str]:
    """The message next to its field, and always in the summary at the top."""
    field = error.field or "__all__"
    out = {"__all__": error.message}
    if field in fields or field.startswith("answers."):
        out[field.removeprefix("answers.")] = error.message
    return out


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    store = web.deps.store

    async def consultation_or_404(slug: str) -> Doc:
        c = await views.consultation_by_slug(store, slug)
        if c is None:
            raise HTTPException(404)
        return c

    def is_open(c: Doc, action: str) -> bool:
        return action in ph.open_actions(c.get("phases") or [], deposit_views.now())

    # -- questionnaire ------------------------------------------------------------------

    async def questionnaire_page(request: Request, c: Doc, qn: Doc, raw: dict[str, list[str]],
                                 key: str, errors: dict[str, str], status: int = 200, *,
                                 stepped: bool = False) -> Response:
        error_field = next((f for f in errors if f != "__all__"), None)
        questions, complete = deposit_answers.shown(qn["questions"], raw, error_field)
        # Once the visitor has pressed « Continuer », a question still unanswered is
        # one they chose to skip (most are optional): sending must then be possible,
        # or a skipped question with a follow-up would keep them from ever sending.
        return admin_page(web, request, "deposit/answer.html", {
            "consultation": c, "qn": qn, "questions": questions,
            "complete": complete or stepped,
            "answers": raw, "key": key, "errors": errors, "open": is_open(c, "answer")},
            status=status)

    async def questionnaire_of(slug: str, qid: str) -> tuple[Doc, Doc]:
        c = await consultation_or_404(slug)
        qn = await store.get("questionnaires", c["id"], qid)
        if qn is None:
            raise HTTPException(404)
        return c, qn

    @router.get("/consultations/{slug}/questionnaires/{qid}/repondre")
    async def answer_form(request: Request, slug: str, qid: str) -> Response:
        c, qn = await questionnaire_of(slug, qid)
        if await participant(web, request) is None:
            return login_prompt(web, request, c)
        return await questionnaire_page(request, c, qn, {}, new_id(), {})

    @router.post("/consultations/{slug}/questionnaires/{qid}/repondre")
    async def answer(request: Request, slug: str, qid: str) -> Response:
        form = await checked_form(web, request)
        c, qn = await questionnaire_of(slug, qid)
        who = await participant(web, request)
        if who is None:
            return login_prompt(web, request, c)
        raw, key = deposit_answers.raw_answers(form), text(form, "cle")
        if text(form, "etape") != "envoyer":  # "Continuer": show the follow-ups, save nothing
            return await questionnaire_page(request, c, qn, raw, key, {}, stepped=True)
        answers = deposit_answers.to_answers(qn["questions"], raw)
        who = await web.providers.with_territory(who)
        error = await send_once(web, who, key,
                                SubmitResponse(key, c["id"], qid, who, answers))
        if error is not None:
            return await questionnaire_page(request, c, qn, raw, key,
                                            errors_for(error, ()), status=400, stepped=True)
        await web.deps.settle()
        return RedirectResponse("/mes-contributions?envoi=reponse", status_code=303)

    # -- proposals, arguments, comments -----------------------------------------------

    def proposal_form(request: Request, c: Doc, values: dict[str, str],
                      errors: dict[str, str], status: int = 200,
                      similar: list[Any] | None = None) -> Response:
        return admin_page(web, request, "deposit/proposal_form.html", {
            "consultation": c, "values": values, "errors": errors,
            "themes": deposit_views.themes_of(c), "territories": deposit_views.territories(),
            "open": is_open(c, "deposit"), "hits": similar or [],
            "searched": similar is not None}, status=status)

    @router.get("/consultations/{slug}/propositions/nouvelle")
    async def new_proposal(request: Request, slug: str) -> Response:
        c = await consultation_or_404(slug)
        if await participant(web, request) is None:
            return login_prompt(web, request, c)
        return proposal_form(request, c, {"cle": new_id()}, {})

    @router.post("/consultations/{slug}/propositions/nouvelle")
    async def submit_proposal(request: Request, slug: str) -> Response:
        form = await checked_form(web, request)
        c = await consultation_or_404(slug)
        who = await participant(web, request)
        if who is None:
            return login_prompt(web, request, c)
        values = _values(form, ("cle", *FIELDS["proposal"]))
        if text(form, "etape") == "similaires":  # the hint without JavaScript: send nothing
            return proposal_form(request, c, values, {}, similar=await
                                 search_public.similar_for_form(request, c["id"],
                                                                values["title"]))
        key = values["cle"]
        error = await send_once(web, who, key, SubmitProposal(
            key, c["id"], who, values["title"], values["body"], values["theme_id"],
            values["territory"]))
        if error is not None:
            return proposal_form(request, c, values, errors_for(error, FIELDS["proposal"]),
                                 status=400)
        await web.deps.settle()
        return RedirectResponse("/mes-contributions?envoi=proposition", status_code=303)

    async def on_proposal(request: Request, slug: str, pid: str, kind: str,
                          make: Any) -> Response:
        form = await checked_form(web, request)
        c = await consultation_or_404(slug)
        who = await participant(web, request)
        if who is None:
            return login_prompt(web, request, c)
        values = _values(form, ("cle", *FIELDS[kind]))
        error = await send_once(web, who, values["cle"], make(values, who))
        back = f"/consultations/{slug}/propositions/{pid}"
        if error is not None:
            ctx = await deposit_views.proposal(store, slug, pid, None, web.deps.settings.page_size)
            if ctx is None:
                raise HTTPException(404)
            return admin_page(web, request, "deposit/proposal.html", {
                **ctx, "participant": who, "form_kind": kind, "values": values,
                "errors": errors_for(error, FIELDS[kind]), "argument_key": new_id(),
                "comment_key": new_id(), "open_comment": is_open(c, "comment")}, status=400)
        await web.deps.settle()
        return RedirectResponse(f"{back}?envoi={kind}", status_code=303)

    @router.post("/consultations/{slug}/propositions/{pid}/arguments")
    async def submit_argument(request: Request, slug: str, pid: str) -> Response:
        return await on_proposal(request, slug, pid, "argument", lambda v, who: SubmitArgument(
            v["cle"], pid, who, v["side"], v["body"]))

    @router.post("/consultations/{slug}/propositions/{pid}/commentaires")
    async def submit_comment(request: Request, slug: str, pid: str) -> Response:
        return await on_proposal(request, slug, pid, "comment", lambda v, who: SubmitComment(
            v["cle"], pid, who, v["body"]))

    return router


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {n: text(form, n) for n in names}
