"""Defence in depth for the moderators' commands (ADR 0133, amendment of
2026-12-08): each command on a contribution carries the consultation the caller's
role was checked on, and its handler compares it with the contribution's own,
folded from the log. Another consultation's: `wrong_consultation`, nothing
written, before any other refusal (a claim held by another, no appeal pending).
The same command naming the contribution's consultation is accepted, so that the
refusal can only be the consultation's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from harness.deposit_world import CID, QID, World, participant

from services.consultation.questionnaire import Answer
from services.core.envelope import Actor
from services.core.errors import DomainError
from services.core.events import Meta
from services.core.participants import ModeratorContext
from services.deposit.commands import SubmitProposal, SubmitResponse
from services.moderation import handlers as h
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    DecideCampaign,
    LodgeAppeal,
    MaskPersonalData,
)
from services.moderation.process import AutoModeration
from services.moderation.queue import ALL, CAMPAIGNS, ITEMS, QueueProjection
from services.runtime.command_codec import command_name, decode_command, encode_command
from services.runtime.command_routing import routes

OTHER = "c-budget-participatif"
ANNE, BRUNO = ModeratorContext("p-anne"), ModeratorContext("p-bruno")
MASKED = "Demandez à [nom masqué], ma voisine, pour la réunion."


async def moderated() -> World:
    world = World()
    world.projections += [AutoModeration(world.log, world.clock), QueueProjection()]
    world = await world.setup(moderation="post")
    await world.handle(SubmitProposal("k1", CID, participant("p-alice"), "Une proposition",
                                      "Demandez à Mme Irène Pastoureau, ma voisine, pour la "
                                      "réunion."))
    await world.project()
    await world.project()  # the checks appended by the process manager
    return world


async def claimed(world: World) -> None:
    await h.claim_item(ClaimItem("k1", CID, ANNE), log=world.log, store=world.store,
                       clock=world.clock, meta=world.meta)


async def appealed(world: World) -> None:
    await claimed(world)
    await h.decide(Decide("k1", CID, ANNE, "hidden", "hors_sujet"), log=world.log,
                   store=world.store, clock=world.clock, meta=world.meta)
    await h.lodge_appeal(LodgeAppeal("k1", participant("p-alice"), "Ce n'est pas hors sujet."),
                         log=world.log, store=world.store, clock=world.clock, meta=world.meta)


async def nothing(world: World) -> None:
    return None


Ready = Callable[[World], Awaitable[None]]
Send = Callable[[World, str], Awaitable[object]]
# Each moderator's command on c-grand-debat's contribution k1, sent naming `cid`,
# after what makes it acceptable there.
SENT: dict[str, tuple[Ready, Send]] = {
    "claim": (nothing, lambda w, cid: h.claim_item(
        ClaimItem("k1", cid, ANNE), log=w.log, store=w.store, clock=w.clock, meta=w.meta)),
    "decide": (claimed, lambda w, cid: h.decide(
        Decide("k1", cid, ANNE, "hidden", "hors_sujet"), log=w.log, store=w.store,
        clock=w.clock, meta=w.meta)),
    "mask personal data": (claimed, lambda w, cid: h.mask_personal_data(
        MaskPersonalData("k1", cid, ANNE, body=MASKED), log=w.log, store=w.store,
        clock=w.clock, meta=w.meta)),
    "decide an appeal": (appealed, lambda w, cid: h.decide_appeal(
        DecideAppeal("k1", cid, BRUNO, "upheld", "hors_sujet"), log=w.log, store=w.store,
        clock=w.clock, meta=w.meta)),
}


def wrong_consultation(refused: pytest.ExceptionInfo[DomainError]) -> bool:
    return (refused.value.code, refused.value.field, refused.value.message) == (
        "wrong_consultation", "consultation_id",
        "Cette contribution appartient à une autre consultation.")


@pytest.mark.parametrize("what", sorted(SENT))
async def test_a_contribution_of_another_consultation_is_refused_and_nothing_written(
        what: str) -> None:
    world = await moderated()
    ready, send = SENT[what]
    await ready(world)
    before = len(await world.events("moderation.events"))
    with pytest.raises(DomainError) as refused:
        await send(world, OTHER)
    assert wrong_consultation(refused)
    assert len(await world.events("moderation.events")) == before
    await send(world, CID)  # its own consultation's: accepted
    assert len(await world.events("moderation.events")) == before + 1


async def test_a_claim_held_by_another_is_refused_for_the_consultation_first() -> None:
    """The caller of another consultation is not told who holds the contribution."""
    world = await moderated()
    await claimed(world)
    before = len(await world.events("moderation.events"))
    with pytest.raises(DomainError) as refused:
        await h.claim_item(ClaimItem("k1", OTHER, BRUNO), log=world.log, store=world.store,
                           clock=world.clock, meta=world.meta)
    assert wrong_consultation(refused)
    assert len(await world.events("moderation.events")) == before


async def test_an_appeal_decided_already_is_refused_for_the_consultation_first() -> None:
    """A retry's « nothing to do » (no appeal pending) is not answered to another
    consultation's caller as if it had been theirs."""
    world = await moderated()
    ready, send = SENT["decide an appeal"]
    await ready(world)
    await send(world, CID)
    before = len(await world.events("moderation.events"))
    with pytest.raises(DomainError) as refused:
        await send(world, OTHER)
    assert wrong_consultation(refused)
    assert len(await world.events("moderation.events")) == before


async def test_a_campaign_decides_only_the_members_its_log_says_are_of_its_consultation(
        ) -> None:
    """A campaign decision names its consultation already and picks the group's
    members of it in a read model; each member's own stream must say so too: a
    read model saying another consultation decides nothing."""
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
    group = item["campaign_group_id"]
    async with world.store.transaction() as tx:  # the group's read model says OTHER
        for key, doc in await world.store.list(CAMPAIGNS, group):
            await tx.put(CAMPAIGNS, group, key, {**doc, "consultation_id": OTHER})
    before = len(await world.events("moderation.events"))
    assert await h.decide_campaign(DecideCampaign(OTHER, group, ANNE, "rejected", "campagne"),
                                   log=world.log, store=world.store, clock=world.clock,
                                   meta=world.meta) == 0
    assert len(await world.events("moderation.events")) == before


@pytest.mark.parametrize("command", [
    ClaimItem("k1", CID, ANNE), Decide("k1", CID, ANNE, "hidden", "hors_sujet"),
    MaskPersonalData("k1", CID, ANNE, body=MASKED), DecideAppeal("k1", CID, BRUNO, "upheld")],
    ids=lambda c: type(c).__name__)
def test_the_consultation_travels_to_the_worker_and_a_command_without_it_is_not_built(
        command: object) -> None:
    """Between fronts and moderation workers (the command topics, ADR 0078): the
    field is on the wire; a front of before 2026-12-08 sends none, which a new
    worker cannot build (the release notes: upgrade them together)."""
    meta = Meta(actor=Actor("p-anne", "moderator"), correlation_id="corr-1")
    known = {command_name(kind): kind for kind in routes(["moderation"])}
    body = encode_command(command, meta)
    assert body["command"]["consultation_id"] == CID
    assert decode_command(body, known) == (command, meta)
    del body["command"]["consultation_id"]
    with pytest.raises(TypeError):
        decode_command(body, known)
