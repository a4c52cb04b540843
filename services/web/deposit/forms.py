"""Participation forms: answering a questionnaire (progressive steps, no
JavaScript needed), a proposal, an argument for or against, a comment.

Who submits comes from the identity session (`identity_session.visitor`): a
participant session, never the back-office admin. Every form carries a key
(`cle`, a fresh UUIDv7 made when the form is shown) used as the contribution
id: a double click or a resubmitted page targets the same stream, which the log
refuses to create twice, and the participant is shown the first answer. A
questionnaire response's id is the participant's one for that questionnaire
(ADR 0038); its form's key goes with it as the submission's key. CSRF is
checked on every POST (`forms.checked_form`), and each form counts against its
action's rate limit, as the JSON API's routes do (ADR 0045): beyond it, the
French 429 page with `Retry-After`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import ConcurrencyConflict, DomainError, NotFound, refusals_of
from services.core.ids import new_id
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitArgument, SubmitComment, SubmitProposal, SubmitResponse
from services.deposit.ids import response_id
from services.identity.queries import identity_level
from services.store.port import Doc, ReadStore
from services.web import questionnaire_steps as steps
from services.web import views
from services.web.authz import PARTICIPANT_FORM
from services.web.deposit import answers as deposit_answers
from services.web.deposit import views as deposit_views
from services.web.deps import Web, WebDep
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


def login_prompt(web: Web, request: Request, consultation: Doc, doing: str = "") -> Response:
    """The page asking to log in; `doing` (« Déposer une proposition ») names what
    waits behind it in its title and breadcrumb, so each such page has its own."""
    here = quote(request.url.path)
    return admin_page(web, request, "deposit/login_needed.html", {
        "consultation": consultation, "suite": here, "doing": doing}, status=401)


async def send_once(web: Web, who: ParticipantContext, key: str,
                    command: object) -> DomainError | None:
    """None when the command was accepted now or earlier with this very key (a
    resubmitted form), else the refusal to show."""
    try:
        await web.send_as(who.participant_id, command)
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
    """Each message next to its field (every field refused, in the form's order,
    ADR 0144), and always in the summary at the top; a refusal naming no field of
    the form is said in the summary only."""
    out = {"__all__": error.message}
    unplaced: list[str] = []
    for refused in refusals_of(error):
        field = refused.field or "__all__"
        if field in fields or field.startswith("answers."):
            name = field.removeprefix("answers.")
            said = out.get(name)
            out[name] = refused.message if said is None else f"{said} {refused.message}"
        else:
            unplaced.append(refused.message)
    if unplaced:
        out["__all__"] = " ".join(unplaced)
    return out


router = APIRouter()

# -- questionnaire ----------------------------------------------------------------------


def questionnaire_page(web: Web, request: Request, c: Doc, qn: Doc, raw: dict[str, list[str]],
                       key: str, errors: dict[str, str], status: int = 200, *,
                       stepped: bool = False, before: list[str] | None = None) -> Response:
    """`before`: what the page sending « Continuer » showed (the questions shown
    now beyond it are announced, the focus on them)."""
    questions, complete = deposit_answers.shown(
        qn["questions"], raw, [f for f in errors if f != "__all__"])
    # Once the visitor has pressed « Continuer », a question still unanswered is
    # one they chose to skip (most are optional): sending must then be possible,
    # or a skipped question with a follow-up would keep them from ever sending.
    return admin_page(web, request, "deposit/answer.html", {
        "consultation": c, "qn": qn, "questions": questions,
        "complete": complete or stepped, "answers": raw, "key": key, "errors": errors,
        "new": [] if errors else steps.new_questions(questions, before or []),
        "shown": steps.shown_ids(questions), "open": deposit_views.is_open(c, "answer")},
        status=status)


async def questionnaire_of(store: ReadStore, slug: str, qid: str) -> tuple[Doc, Doc]:
    """The published consultation and its questionnaire, or a 404 page."""
    c = await views.slug_or_404(store, slug)
    qn = await store.get("questionnaires", c["id"], qid)
    if qn is None:
        raise HTTPException(404)
    return c, qn


@router.get("/consultations/{slug}/questionnaires/{qid}/repondre")
async def answer_form(request: Request, web: WebDep, slug: str, qid: str) -> Response:
    c, qn = await questionnaire_of(web.store, slug, qid)
    if await participant(web, request) is None:
        return login_prompt(web, request, c, f"Répondre : {qn['title']}")
    return questionnaire_page(web, request, c, qn, {}, new_id(), {})


@router.post("/consultations/{slug}/questionnaires/{qid}/repondre", dependencies=PARTICIPANT_FORM)
async def answer(request: Request, web: WebDep, slug: str, qid: str) -> Response:
    form = await checked_form(web, request)
    c, qn = await questionnaire_of(web.store, slug, qid)
    who = await participant(web, request)
    if who is None:
        return login_prompt(web, request, c)
    raw, key = deposit_answers.raw_answers(form), text(form, "cle")
    if text(form, "etape") != "envoyer":  # "Continuer": show the follow-ups, save nothing
        return questionnaire_page(web, request, c, qn, raw, key, {}, stepped=True, before=[
            v for v in form.getlist(steps.SHOWN_FIELD) if isinstance(v, str)])
    await web.providers.check_limit(request, "questionnaire")  # 429 page beyond it
    answers = deposit_answers.to_answers(qn["questions"], raw)
    who = await web.providers.with_territory(who)
    # one response per participant: its id is theirs, the form's key answers a resubmission
    error = await send_once(web, who, key, SubmitResponse(
        response_id(qid, who.participant_id), c["id"], qid, who, answers, request_key=key))
    if error is not None:
        return questionnaire_page(web, request, c, qn, raw, key, errors_for(error, ()),
                                  status=400, stepped=True)
    await web.deps.settle()
    return RedirectResponse("/mes-contributions?envoi=reponse", status_code=303)


# -- proposals, arguments, comments ---------------------------------------------------


def proposal_form(web: Web, request: Request, c: Doc, values: dict[str, str],
                  errors: dict[str, str], status: int = 200,
                  similar: list[Any] | None = None) -> Response:
    return admin_page(web, request, "deposit/proposal_form.html", {
        "consultation": c, "values": values, "errors": errors,
        "themes": deposit_views.themes_of(c), "territory_choices": views.territory_choices(),
        "open": deposit_views.is_open(c, "deposit"), "hits": similar or [],
        "searched": similar is not None}, status=status)


@router.get("/consultations/{slug}/propositions/nouvelle")
async def new_proposal(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    if await participant(web, request) is None:
        return login_prompt(web, request, c, "Déposer une proposition")
    return proposal_form(web, request, c, {"cle": new_id()}, {})


@router.post("/consultations/{slug}/propositions/nouvelle", dependencies=PARTICIPANT_FORM)
async def submit_proposal(request: Request, web: WebDep, slug: str) -> Response:
    form = await checked_form(web, request)
    c = await views.slug_or_404(web.store, slug)
    who = await participant(web, request)
    if who is None:
        return login_prompt(web, request, c)
    values = _values(form, ("cle", *FIELDS["proposal"]))
    if text(form, "etape") == "similaires":  # the hint without JavaScript: send nothing
        similar = await search_public.similar_for_form(request, c["id"], values["title"])
        return proposal_form(web, request, c, values, {}, similar=similar)
    await web.providers.check_limit(request, "proposal")  # 429 page beyond it
    key = values["cle"]
    error = await send_once(web, who, key, SubmitProposal(
        key, c["id"], who, values["title"], values["body"], values["theme_id"],
        values["territory"]))
    if error is not None:
        return proposal_form(web, request, c, values, errors_for(error, FIELDS["proposal"]),
                             status=400)
    await web.deps.settle()
    return RedirectResponse("/mes-contributions?envoi=proposition", status_code=303)


# Builds the command from the posted values, the proposal id and the participant.
MakeCommand = Callable[[dict[str, str], str, ParticipantContext], object]


def _argument(v: dict[str, str], pid: str, who: ParticipantContext) -> object:
    return SubmitArgument(v["cle"], pid, who, v["side"], v["body"])


def _comment(v: dict[str, str], pid: str, who: ParticipantContext) -> object:
    return SubmitComment(v["cle"], pid, who, v["body"])


async def on_proposal(web: Web, request: Request, slug: str, pid: str, kind: str,
                      make: MakeCommand) -> Response:
    """An argument or a comment on a proposal: back to the proposal on success,
    else the proposal page with the form as typed and the refusal next to it."""
    form = await checked_form(web, request)
    c = await views.slug_or_404(web.store, slug)
    who = await participant(web, request)
    if who is None:
        return login_prompt(web, request, c)
    await web.providers.check_limit(request, kind)  # 429 page beyond it
    values = _values(form, ("cle", *FIELDS[kind]))
    error = await send_once(web, who, values["cle"], make(values, pid, who))
    if error is not None:
        ctx = await deposit_views.proposal(web.store, c, pid, None, web.settings.page_size)
        if ctx is None:
            raise HTTPException(404)
        return admin_page(web, request, "deposit/proposal.html", {
            **ctx, "participant": who, "form_kind": kind, "values": values,
            "errors": errors_for(error, FIELDS[kind]), "argument_key": new_id(),
            "comment_key": new_id(), "open_comment": deposit_views.is_open(c, "comment")},
            status=400)
    await web.deps.settle()
    return RedirectResponse(f"/consultations/{slug}/propositions/{pid}?envoi={kind}",
                            status_code=303)


@router.post("/consultations/{slug}/propositions/{pid:ref}/arguments",
             dependencies=PARTICIPANT_FORM)
async def submit_argument(request: Request, web: WebDep, slug: str, pid: str) -> Response:
    return await on_proposal(web, request, slug, pid, "argument", _argument)


@router.post("/consultations/{slug}/propositions/{pid:ref}/commentaires",
             dependencies=PARTICIPANT_FORM)
async def submit_comment(request: Request, web: WebDep, slug: str, pid: str) -> Response:
    return await on_proposal(web, request, slug, pid, "comment", _comment)


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {n: text(form, n) for n in names}
