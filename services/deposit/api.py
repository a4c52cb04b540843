"""JSON API of the deposit service.

Every submission needs an `Idempotency-Key` header: the idempotency middleware
stores the first answer, replays it for a retry and refuses the same key with
another body (ADR 0007). A new contribution's id derives from the participant
and that key (a response's from its questionnaire and the participant), so a
retry through any front names the same contribution (ADR 0038). Who submits is
the session's participant (the `Participant` dependency). The public lists of
proposals and arguments are the moderation service's (it owns what is published).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.apikit.deps import (
    BusDep,
    IdempotencyKey,
    MetaDep,
    Participant,
    StoreDep,
    rate_limited,
    with_territory,
)
from services.apikit.paging import page_of
from services.consultation.queries import Answer
from services.deposit.commands import (
    EditContribution,
    SubmitArgument,
    SubmitComment,
    SubmitProposal,
    SubmitResponse,
    WithdrawContribution,
)
from services.deposit.ids import response_id, submission_id
from services.deposit.projections import BY_AUTHOR

PAGE_MAX = 100
_INPUT_MAX = 20_000  # a bound on raw input; the domain judges lengths (French messages)

router = APIRouter(prefix="/api", tags=["deposit"])
After = Annotated[str | None, Query(max_length=100)]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX)]


class NewProposal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=_INPUT_MAX)
    body: str = Field(max_length=_INPUT_MAX)
    theme_id: str = Field(default="", max_length=100)
    territory: str = Field(default="", max_length=10)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    option_ids: list[str] = Field(default_factory=list, max_length=50)
    other_text: str = Field(default="", max_length=_INPUT_MAX)
    text: str = Field(default="", max_length=_INPUT_MAX)


class NewResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, AnswerIn] = Field(max_length=200)


class NewArgument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    side: str = Field(max_length=20)
    body: str = Field(max_length=_INPUT_MAX)


class NewText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=_INPUT_MAX)
    title: str = Field(default="", max_length=_INPUT_MAX)


class Created(BaseModel):
    id: str


def _created(response: Response, contribution_id: str) -> Created:
    response.headers["Location"] = f"/api/contributions/{contribution_id}"
    return Created(id=contribution_id)


@router.post("/consultations/{consultation_id}/proposals", status_code=201,
             dependencies=[rate_limited("proposal")])
async def submit_proposal(consultation_id: str, body: NewProposal, response: Response,
                          who: Participant, key: IdempotencyKey, bus: BusDep,
                          meta: MetaDep) -> Created:
    cmd = SubmitProposal(submission_id(who.participant_id, key), consultation_id, who,
                         body.title, body.body, body.theme_id, body.territory, request_key=key)
    return _created(response, await bus.handle(cmd, meta))


@router.post("/consultations/{consultation_id}/questionnaires/{questionnaire_id}/responses",
             status_code=201, dependencies=[rate_limited("questionnaire")])
async def submit_response(consultation_id: str, questionnaire_id: str, body: NewResponse,
                          request: Request, response: Response, who: Participant,
                          key: IdempotencyKey, bus: BusDep, meta: MetaDep) -> Created:
    answers = {qid: Answer(tuple(a.option_ids), a.other_text, a.text)
               for qid, a in body.answers.items()}
    who = await with_territory(request, who)
    cmd = SubmitResponse(response_id(questionnaire_id, who.participant_id), consultation_id,
                         questionnaire_id, who, answers, request_key=key)
    return _created(response, await bus.handle(cmd, meta))


@router.post("/contributions/{proposal_id}/arguments", status_code=201,
             dependencies=[rate_limited("argument")])
async def submit_argument(proposal_id: str, body: NewArgument, response: Response,
                          who: Participant, key: IdempotencyKey, bus: BusDep,
                          meta: MetaDep) -> Created:
    cmd = SubmitArgument(submission_id(who.participant_id, key), proposal_id, who, body.side,
                         body.body, request_key=key)
    return _created(response, await bus.handle(cmd, meta))


@router.post("/contributions/{parent_id}/comments", status_code=201,
             dependencies=[rate_limited("comment")])
async def submit_comment(parent_id: str, body: NewText, response: Response,
                         who: Participant, key: IdempotencyKey, bus: BusDep,
                         meta: MetaDep) -> Created:
    cmd = SubmitComment(submission_id(who.participant_id, key), parent_id, who, body.body,
                        request_key=key)
    return _created(response, await bus.handle(cmd, meta))


@router.post("/contributions/{contribution_id}/edit", status_code=204,
             dependencies=[rate_limited("edit")])
async def edit(contribution_id: str, body: NewText, who: Participant, _key: IdempotencyKey,
               bus: BusDep, meta: MetaDep) -> None:
    await bus.handle(EditContribution(contribution_id, who, body.body, body.title), meta)


@router.post("/contributions/{contribution_id}/withdraw", status_code=204,
             dependencies=[rate_limited("withdraw")])
async def withdraw(contribution_id: str, who: Participant, _key: IdempotencyKey,
                   bus: BusDep, meta: MetaDep) -> None:
    await bus.handle(WithdrawContribution(contribution_id, who), meta)


@router.get("/me/contributions")
async def my_contributions(who: Participant, store: StoreDep, after: After = None,
                           limit: Limit = 20) -> dict[str, Any]:
    return page_of(await store.list(BY_AUTHOR, who.participant_id, limit=limit, after=after,
                                    reverse=True), limit)
