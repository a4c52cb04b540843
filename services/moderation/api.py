"""JSON API of the moderation service: the moderator's queue and decisions,
participants' flags and appeals, the public transparency counts.

Who moderates comes from the `moderator_context` dependency: until the identity
service installs its provider (session + role on the item's consultation), it
refuses (403); tests may override it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.core.errors import NotFound
from services.deposit.api import IdempotencyKey, Participant
from services.identity.limits import limit_contribution
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    DecideCampaign,
    FlagContribution,
    LodgeAppeal,
    MaskPersonalData,
    ModeratorContext,
)
from services.moderation.queue import ALL, CAMPAIGNS, ITEMS, QUEUE, TRANSPARENCY
from services.runtime.http import ContainerDep, MetaDep

PAGE_MAX = 100


# The identity service puts on `app.state` an async callable (request) ->
# ModeratorContext | None that checks the moderator role on the consultation
# the request is about (ADR 0013).
MODERATOR_PROVIDER = "parlons_moderator_provider"


async def moderator_context(request: Request) -> ModeratorContext:
    provide = getattr(request.app.state, MODERATOR_PROVIDER, None)
    who = await provide(request) if provide is not None else None
    if not isinstance(who, ModeratorContext):
        raise HTTPException(403, "Réservé aux modérateurs de la consultation.")
    return who


Moderator = Annotated[ModeratorContext, Depends(moderator_context)]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(max_length=20)
    reason_code: str = Field(default="conforme", max_length=60)


class CampaignDecisionIn(DecisionIn):
    consultation_id: str = Field(max_length=100)


class MaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(default="", max_length=20_000)
    body: str = Field(default="", max_length=20_000)


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(default="", max_length=20_000)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(max_length=20)
    reason_code: str = Field(default="conforme", max_length=60)


def router() -> APIRouter:
    r = APIRouter(prefix="/api", tags=["moderation"])

    @r.get("/moderation/consultations/{consultation_id}/queue")
    async def queue(consultation_id: str, _who: Moderator, container: ContainerDep,
                    after: Annotated[str | None, Query(max_length=200)] = None,
                    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 20) -> dict[str, Any]:
        """Most severe first, then oldest."""
        rows = await container.store.list(QUEUE, consultation_id, limit=limit, after=after)
        return {"items": [d for _, d in rows],
                "next": rows[-1][0] if len(rows) == limit else None}

    @r.get("/moderation/items/{contribution_id}")
    async def item(contribution_id: str, _who: Moderator,
                   container: ContainerDep) -> dict[str, Any]:
        doc = await container.store.get(ITEMS, ALL, contribution_id)
        if doc is None:
            raise NotFound("Contribution")
        return doc

    @r.post("/moderation/items/{contribution_id}/claim", status_code=204)
    async def claim(contribution_id: str, who: Moderator, container: ContainerDep,
                    meta: MetaDep) -> None:
        await container.handle(ClaimItem(contribution_id, who), meta)

    @r.post("/moderation/items/{contribution_id}/decision", status_code=204)
    async def decide(contribution_id: str, body: DecisionIn, who: Moderator,
                     container: ContainerDep, meta: MetaDep) -> None:
        await container.handle(Decide(contribution_id, who, body.decision, body.reason_code),
                               meta)

    @r.post("/moderation/items/{contribution_id}/mask", status_code=204)
    async def mask(contribution_id: str, body: MaskIn, who: Moderator,
                   container: ContainerDep, meta: MetaDep) -> None:
        await container.handle(MaskPersonalData(contribution_id, who, body.title, body.body),
                               meta)

    @r.post("/moderation/items/{contribution_id}/appeal-decision", status_code=204)
    async def appeal_decision(contribution_id: str, body: AppealDecisionIn, who: Moderator,
                              container: ContainerDep, meta: MetaDep) -> None:
        await container.handle(DecideAppeal(contribution_id, who, body.outcome,
                                            body.reason_code), meta)

    @r.get("/moderation/campaigns/{group_id}")
    async def campaign(group_id: str, _who: Moderator, container: ContainerDep,
                       after: Annotated[str | None, Query(max_length=100)] = None,
                       limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100) -> dict[str, Any]:
        rows = await container.store.list(CAMPAIGNS, group_id, limit=limit, after=after)
        return {"items": [d for _, d in rows],
                "next": rows[-1][0] if len(rows) == limit else None}

    @r.post("/moderation/campaigns/{group_id}/decision")
    async def campaign_decision(group_id: str, body: CampaignDecisionIn, who: Moderator,
                                container: ContainerDep, meta: MetaDep) -> dict[str, int]:
        decided: int = await container.handle(DecideCampaign(
            body.consultation_id, group_id, who, body.decision, body.reason_code), meta)
        return {"decided": decided}

    @r.post("/contributions/{contribution_id}/flags", status_code=204,
            dependencies=[Depends(limit_contribution)])
    async def flag(contribution_id: str, body: TextIn, who: Participant, _key: IdempotencyKey,
                   container: ContainerDep, meta: MetaDep) -> None:
        await container.handle(FlagContribution(contribution_id, who, body.text), meta)

    @r.post("/contributions/{contribution_id}/appeal", status_code=204)
    async def appeal(contribution_id: str, body: TextIn, who: Participant,
                     _key: IdempotencyKey, container: ContainerDep, meta: MetaDep) -> None:
        await container.handle(LodgeAppeal(contribution_id, who, body.text), meta)

    @r.get("/consultations/{consultation_id}/transparency")
    async def transparency(consultation_id: str, container: ContainerDep) -> dict[str, Any]:
        """Public: contributions hidden or rejected, per reason of the charter."""
        rows = await container.store.list(TRANSPARENCY, consultation_id, limit=PAGE_MAX)
        return {"reasons": [d for _, d in rows if d["count"] > 0]}

    return r
