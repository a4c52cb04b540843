"""JSON API of the deposit service.

Every submission needs an `Idempotency-Key` header: the runtime's middleware
stores the first answer, replays it for a retry and refuses the same key with
another body (ADR 0007). Who submits comes from the `participant_context`
dependency (see `participant.py`). Public lists read the publication read model
(deposit + moderation decision, `services.moderation.publication`): one keyset
`list` per page, arguments embedded, whatever the number of items.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.consultation.questionnaire import Answer
from services.core.ids import new_id
from services.deposit.commands import (
    EditContribution,
    SubmitArgument,
    SubmitComment,
    SubmitProposal,
    SubmitResponse,
    WithdrawContribution,
)
from services.deposit.participant import ParticipantContext, with_territory
from services.deposit.projections import BY_AUTHOR
from services.identity.limits import limit_contribution
from services.moderation.publication import PUBLIC_ARGUMENTS, PUBLIC_PROPOSALS
from services.runtime.http import ContainerDep, MetaDep
from services.runtime.idempotency import KEY_MAX

PAGE_MAX = 100
_INPUT_MAX = 20_000  # a bound on raw input; the domain judges lengths (French messages)


# The identity service puts on `app.state` an async callable (request) ->
# ParticipantContext | None: the session's participant (ADR 0013).
PARTICIPANT_PROVIDER = "parlons_participant_provider"


async def participant_context(request: Request) -> ParticipantContext:
    """The session's participant, from the identity service's provider; without a
    provider (a service alone) or without a session, nobody is known: refuse.
    Tests may override this dependency."""
    provide = getattr(request.app.state, PARTICIPANT_PROVIDER, None)
    who = await provide(request) if provide is not None else None
    if not isinstance(who, ParticipantContext):
        raise HTTPException(401, "Connectez-vous pour contribuer.")
    return who


Participant = Annotated[ParticipantContext, Depends(participant_context)]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1,
                                        max_length=KEY_MAX)]


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


def router() -> APIRouter:
    r = APIRouter(prefix="/api", tags=["deposit"])

    def created(response: Response, contribution_id: str) -> Created:
        response.headers["Location"] = f"/api/contributions/{contribution_id}"
        return Created(id=contribution_id)

    @r.post("/consultations/{consultation_id}/proposals", status_code=201,
            dependencies=[Depends(limit_contribution)])
    async def submit_proposal(consultation_id: str, body: NewProposal, response: Response,
                              who: Participant, _key: IdempotencyKey,
                              container: ContainerDep, meta: MetaDep) -> Created:
        cmd = SubmitProposal(new_id(), consultation_id, who, body.title, body.body,
                             body.theme_id, body.territory)
        return created(response, await container.handle(cmd, meta))

    @r.post("/consultations/{consultation_id}/questionnaires/{questionnaire_id}/responses",
            status_code=201, dependencies=[Depends(limit_contribution)])
    async def submit_response(consultation_id: str, questionnaire_id: str, body: NewResponse,
                              request: Request, response: Response, who: Participant,
                              _key: IdempotencyKey, container: ContainerDep,
                              meta: MetaDep) -> Created:
        answers = {qid: Answer(tuple(a.option_ids), a.other_text, a.text)
                   for qid, a in body.answers.items()}
        who = await with_territory(request.app.state, who)
        cmd = SubmitResponse(new_id(), consultation_id, questionnaire_id, who, answers)
        return created(response, await container.handle(cmd, meta))

    @r.post("/contributions/{proposal_id}/arguments", status_code=201,
            dependencies=[Depends(limit_contribution)])
    async def submit_argument(proposal_id: str, body: NewArgument, response: Response,
                              who: Participant, _key: IdempotencyKey,
                              container: ContainerDep, meta: MetaDep) -> Created:
        cmd = SubmitArgument(new_id(), proposal_id, who, body.side, body.body)
        return created(response, await container.handle(cmd, meta))

    @r.post("/contributions/{parent_id}/comments", status_code=201,
            dependencies=[Depends(limit_contribution)])
    async def submit_comment(parent_id: str, body: NewText, response: Response,
                             who: Participant, _key: IdempotencyKey,
                             container: ContainerDep, meta: MetaDep) -> Created:
        cmd = SubmitComment(new_id(), parent_id, who, body.body)
        return created(response, await container.handle(cmd, meta))

    @r.post("/contributions/{contribution_id}/edit", status_code=204)
    async def edit(contribution_id: str, body: NewText, who: Participant,
                   _key: IdempotencyKey, container: ContainerDep, meta: MetaDep) -> None:
        await container.handle(EditContribution(contribution_id, who, body.body, body.title),
                               meta)

    @r.post("/contributions/{contribution_id}/withdraw", status_code=204)
    async def withdraw(contribution_id: str, who: Participant, _key: IdempotencyKey,
                       container: ContainerDep, meta: MetaDep) -> None:
        await container.handle(WithdrawContribution(contribution_id, who), meta)

    @r.get("/consultations/{consultation_id}/proposals")
    async def published_proposals(
        consultation_id: str, container: ContainerDep,
        after: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 20,
    ) -> dict[str, Any]:
        """Newest first, each with its latest arguments for and against."""
        rows = await container.store.list(PUBLIC_PROPOSALS, consultation_id, limit=limit,
                                          after=after, reverse=True)
        return _page(rows, limit)

    @r.get("/contributions/{proposal_id}/arguments")
    async def published_arguments(
        proposal_id: str, container: ContainerDep,
        after: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 20,
    ) -> dict[str, Any]:
        rows = await container.store.list(PUBLIC_ARGUMENTS, proposal_id, limit=limit,
                                          after=after)
        return _page(rows, limit)

    @r.get("/me/contributions")
    async def my_contributions(
        who: Participant, container: ContainerDep,
        after: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 20,
    ) -> dict[str, Any]:
        rows = await container.store.list(BY_AUTHOR, who.participant_id, limit=limit,
                                          after=after, reverse=True)
        return _page(rows, limit)

    return r


def _page(rows: list[tuple[str, dict[str, Any]]], limit: int) -> dict[str, Any]:
    return {"items": [doc for _, doc in rows],
            "next": rows[-1][0] if len(rows) == limit else None}
