"""Questionnaire responses under a priori moderation: their submission is on
the stream `response-<questionnaire>-<participant>`, not the contribution's own;
the moderators' decisions must still find it (every response stayed « En
attente », « Contribution introuvable », before the queue's item named its
stream). And moderators who also take part: their own contributions are another
moderator's to decide."""

from __future__ import annotations

import pytest
from harness.deposit_world import CID, QID, World, participant

from services.consultation.questionnaire import Answer
from services.core.errors import DomainError
from services.core.participants import ModeratorContext
from services.deposit.commands import SubmitResponse
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    DecideCampaign,
    LodgeAppeal,
)
from services.moderation.handlers import (
    claim_item,
    decide,
    decide_appeal,
    decide_campaign,
    lodge_appeal,
)
from services.moderation.process import AutoModeration
from services.moderation.queue import ALL, ITEMS, QUEUE, QueueProjection

ANNE = ModeratorContext("p-anne")
ANSWERS = {"impots": Answer(option_ids=("oui",)),
           "lesquels": Answer(text="La taxe foncière sur les petits logements.")}


async def test_a_pre_moderated_response_is_approved_from_the_queue() -> None:
    world = World()
    world.projections += [AutoModeration(world.log, world.clock), QueueProjection()]
    await world.setup(moderation="pre")
    await world.handle(SubmitResponse("r1", CID, QID, participant(), ANSWERS))
    await world.project()
    await world.project()
    assert [k.split("|")[1] for k, _ in await world.store.list(QUEUE, CID)] == ["r1"]
    ports = {"log": world.log, "store": world.store, "clock": world.clock, "meta": world.meta}
    await claim_item(ClaimItem("r1", CID, ANNE), **ports)
    await world.project()
    await decide(Decide("r1", CID, ANNE, "approved", deposit_version=1), **ports)
    await world.project()
    item = await world.store.get(ITEMS, ALL, "r1")
    assert item is not None and item["status"] == "approved"
    assert item["deposit_stream"] == f"response-{QID}-p-alice"
    assert await world.store.list(QUEUE, CID) == []


async def test_a_campaign_decision_reaches_its_responses() -> None:
    world = World()
    world.projections += [AutoModeration(world.log, world.clock), QueueProjection()]
    await world.setup(moderation="pre")
    same = {"impots": Answer(option_ids=("oui",)), "lesquels": Answer(
        text="Nous demandons la suppression totale de la taxe foncière pour tous les "
             "propriétaires de la commune dès cette année, sans aucune condition.")}
    for n in range(4):
        await world.handle(SubmitResponse(f"r{n}", CID, QID, participant(f"p-{n}"), same))
    await world.project()
    await world.project()
    item = await world.store.get(ITEMS, ALL, "r0")
    assert item is not None and item["campaign_group_id"]
    ports = {"log": world.log, "store": world.store, "clock": world.clock, "meta": world.meta}
    decided = await decide_campaign(DecideCampaign(CID, item["campaign_group_id"], ANNE,
                                                   "rejected", "campagne"), **ports)
    assert decided == 4


async def test_a_moderator_does_not_moderate_their_own_contribution() -> None:
    """A team member who also takes part: their contribution, and its appeal, are
    another moderator's (a moderator had published her own refused proposal by
    deciding its appeal)."""
    world = World()
    world.projections += [AutoModeration(world.log, world.clock), QueueProjection()]
    await world.setup(moderation="pre")
    author = ModeratorContext("p-alice")  # the participant of `participant()`
    await world.handle(SubmitResponse("r1", CID, QID, participant(), ANSWERS))
    await world.project()
    await world.project()
    ports = {"log": world.log, "store": world.store, "clock": world.clock, "meta": world.meta}
    with pytest.raises(DomainError) as caught:
        await claim_item(ClaimItem("r1", CID, author), **ports)
    assert caught.value.code == "own_contribution"
    await claim_item(ClaimItem("r1", CID, ANNE), **ports)
    await world.project()
    await decide(Decide("r1", CID, ANNE, "rejected", "hors_sujet"), **ports)
    await world.project()
    await lodge_appeal(LodgeAppeal("r1", participant(), "Ma réponse est dans le sujet."),
                       **ports)
    await world.project()
    with pytest.raises(DomainError) as caught:
        await decide_appeal(DecideAppeal("r1", CID, author, "overturned"), **ports)
    assert caught.value.code == "own_contribution"
    item = await world.store.get(ITEMS, ALL, "r1")
    assert item is not None and item["status"] == "rejected"
