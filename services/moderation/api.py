"""JSON API of the moderation service: the moderator's queue and decisions,
participants' flags and appeals, the public transparency counts, and what the
public sees (published proposals with their latest arguments, arguments), read
from the publication read model: one keyset `list` per page, whatever the number
of items. The public reads a published consultation's only (a draft's: 404).

Who moderates is the `Moderator` dependency: the identity wiring's provider
checks the session and the moderator role on the consultation the request is
about (ADR 0013); without it, nobody moderates (403). A command on an item names
that consultation, the item's in the queue's read model, and its handler refuses
it when the item's stream says another (ADR 0133, amendment of 2026-12-08).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from services.apikit.deps import (
    BusDep,
    IdempotencyKey,
    MetaDep,
    Moderator,
    Participant,
    StoreDep,
    rate_limited,
)
from services.apikit.paging import page_of
from services.consultation.queries import public_or_404
from services.core.errors import NotFound
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    DecideCampaign,
    FlagContribution,
    LodgeAppeal,
    MaskPersonalData,
)
from services.moderation.publication import PUBLIC_ARGUMENTS, PUBLIC_PROPOSALS, STATE
from services.moderation.queue import ALL, CAMPAIGNS, ITEMS, QUEUE, TRANSPARENCY
from services.store.port import ReadStore

PAGE_MAX = 100


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


router = APIRouter(prefix="/api", tags=["moderation"])
After = Annotated[str | None, Query(max_length=100)]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX)]


@router.get("/moderation/consultations/{consultation_id}/queue")
async def queue(consultation_id: str, _who: Moderator, store: StoreDep,
                after: Annotated[str | None, Query(max_length=200)] = None,
                limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 20) -> dict[str, Any]:
    """Most severe first, then oldest."""
    return page_of(await store.list(QUEUE, consultation_id, limit=limit, after=after), limit)


@router.get("/moderation/items/{contribution_id}")
async def item(contribution_id: str, _who: Moderator,
               store: StoreDep) -> dict[str, Any]:
    doc = await store.get(ITEMS, ALL, contribution_id)
    if doc is None:
        raise NotFound("Contribution")
    return doc


async def role_checked_on(store: ReadStore, contribution_id: str) -> str:
    """The consultation the `Moderator` dependency checked the role on: the item's,
    read off the queue's read model (unknown there: 404). The command names it, and
    its handler compares it with the contribution's own, folded from the log (ADR
    0133, amendment of 2026-12-08)."""
    doc = await store.get(ITEMS, ALL, contribution_id)
    if doc is None:
        raise NotFound("Contribution")
    return str(doc["consultation_id"])


@router.post("/moderation/items/{contribution_id}/claim", status_code=204)
async def claim(contribution_id: str, who: Moderator, store: StoreDep, bus: BusDep,
                meta: MetaDep) -> None:
    cid = await role_checked_on(store, contribution_id)
    await bus.handle(ClaimItem(contribution_id, cid, who), meta)


@router.post("/moderation/items/{contribution_id}/decision", status_code=204)
async def decide(contribution_id: str, body: DecisionIn, who: Moderator, store: StoreDep,
                 bus: BusDep, meta: MetaDep) -> None:
    cid = await role_checked_on(store, contribution_id)
    await bus.handle(Decide(contribution_id, cid, who, body.decision, body.reason_code), meta)


@router.post("/moderation/items/{contribution_id}/mask", status_code=204)
async def mask(contribution_id: str, body: MaskIn, who: Moderator, store: StoreDep,
               bus: BusDep, meta: MetaDep) -> None:
    cid = await role_checked_on(store, contribution_id)
    await bus.handle(MaskPersonalData(contribution_id, cid, who, body.title, body.body), meta)


@router.post("/moderation/items/{contribution_id}/appeal-decision", status_code=204)
async def appeal_decision(contribution_id: str, body: AppealDecisionIn, who: Moderator,
                          store: StoreDep, bus: BusDep, meta: MetaDep) -> None:
    cid = await role_checked_on(store, contribution_id)
    await bus.handle(DecideAppeal(contribution_id, cid, who, body.outcome,
                                  body.reason_code), meta)


@router.get("/moderation/campaigns/{group_id}")
async def campaign(group_id: str, _who: Moderator, store: StoreDep,
                   after: Annotated[str | None, Query(max_length=100)] = None,
                   limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100) -> dict[str, Any]:
    return page_of(await store.list(CAMPAIGNS, group_id, limit=limit, after=after), limit)


@router.post("/moderation/campaigns/{group_id}/decision")
async def campaign_decision(group_id: str, body: CampaignDecisionIn, who: Moderator,
                            bus: BusDep, meta: MetaDep) -> dict[str, int]:
    decided: int = await bus.handle(DecideCampaign(
        body.consultation_id, group_id, who, body.decision, body.reason_code), meta)
    return {"decided": decided}


@router.post("/contributions/{contribution_id}/flags", status_code=204,
             dependencies=[rate_limited("flag")])
async def flag(contribution_id: str, body: TextIn, who: Participant, _key: IdempotencyKey,
               bus: BusDep, meta: MetaDep) -> None:
    await bus.handle(FlagContribution(contribution_id, who, body.text), meta)


@router.post("/contributions/{contribution_id}/appeal", status_code=204,
             dependencies=[rate_limited("appeal")])
async def appeal(contribution_id: str, body: TextIn, who: Participant,
                 _key: IdempotencyKey, bus: BusDep, meta: MetaDep) -> None:
    await bus.handle(LodgeAppeal(contribution_id, who, body.text), meta)


@router.get("/consultations/{consultation_id}/transparency")
async def transparency(consultation_id: str, store: StoreDep) -> dict[str, Any]:
    """Public: contributions hidden or rejected, per reason of the charter."""
    await public_or_404(store, consultation_id)
    rows = await store.list(TRANSPARENCY, consultation_id, limit=PAGE_MAX)
    return {"reasons": [d for _, d in rows if d["count"] > 0]}


@router.get("/consultations/{consultation_id}/proposals")
async def published_proposals(consultation_id: str, store: StoreDep, after: After = None,
                              limit: Limit = 20) -> dict[str, Any]:
    """Newest first, each with its latest arguments for and against."""
    await public_or_404(store, consultation_id)
    return page_of(await store.list(PUBLIC_PROPOSALS, consultation_id, limit=limit,
                                    after=after, reverse=True), limit)


@router.get("/contributions/{proposal_id}/arguments")
async def published_arguments(proposal_id: str, store: StoreDep, after: After = None,
                              limit: Limit = 20) -> dict[str, Any]:
    """The proposal's consultation is asked first: an unknown proposal is a 404."""
    proposal = await store.get(STATE, ALL, proposal_id)
    if proposal is None:
        raise NotFound("Contribution")
    await public_or_404(store, proposal["consultation_id"])
    return page_of(await store.list(PUBLIC_ARGUMENTS, proposal_id, limit=limit,
                                    after=after), limit)
