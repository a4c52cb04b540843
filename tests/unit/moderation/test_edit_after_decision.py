"""An edited contribution goes back to its moderators (ADR 0135): an approval
covers the text it was made on. Through the handlers and projections on memory
fakes, then every order a rebuild or two topics can deliver the events in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from harness.deposit_world import CID, World, participant
from harness.events import Streams

from services.core.envelope import Envelope
from services.core.errors import DomainError
from services.core.participants import ModeratorContext
from services.deposit.commands import EditContribution, SetContributionPolicy, SubmitProposal
from services.moderation.commands import ClaimItem, Decide, MaskPersonalData
from services.moderation.handlers import claim_item, decide, mask_personal_data
from services.moderation.process import AutoModeration
from services.moderation.publication import (
    ALL,
    PUBLIC_PROPOSALS,
    STATE,
    PublicationProjection,
)
from services.moderation.queue import ITEMS, QUEUE, QueueProjection
from services.runtime.replay import rebuild_projections
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch

ANNE = ModeratorContext("p-anne")
HANDLERS = {ClaimItem: claim_item, Decide: decide, MaskPersonalData: mask_personal_data}


async def world_of(moderation: str) -> World:
    world = World()
    world.projections += [AutoModeration(world.log, world.clock), QueueProjection(),
                          PublicationProjection()]
    await world.setup(moderation=moderation)
    await world.handle(SetContributionPolicy(CID, edit_minutes=30, withdraw_allowed=True))
    await world.project()
    await world.handle(SubmitProposal("k1", CID, participant(), "Une ligne de bus",
                                      "Créer une ligne de bus entre les villages."))
    await settle(world)
    return world


async def settle(world: World) -> None:
    await world.project()
    await world.project()  # the checks the process manager appended


async def moderate(world: World, command: object) -> None:
    await HANDLERS[type(command)](command, log=world.log, store=world.store,
                                  clock=world.clock, meta=world.meta)
    await settle(world)


async def approve(world: World, read: int = 0) -> None:
    await moderate(world, ClaimItem("k1", CID, ANNE))
    await moderate(world, Decide("k1", CID, ANNE, "approved", deposit_version=read))


async def edit(world: World, body: str) -> None:
    await world.handle(EditContribution("k1", participant(), body, "Une ligne de bus"))
    await settle(world)


async def public(world: World) -> dict[str, str]:
    return {k: doc["body"] for k, doc in await world.store.list(PUBLIC_PROPOSALS, CID)}


async def rebuilt(world: World) -> dict[str, str]:
    """What a `parlons replay` of the same log shows: the deposit topic read to its
    end before the moderation topic."""
    store = MemoryReadStore()
    await rebuild_projections(world.log, store, [QueueProjection(), PublicationProjection()])
    return {k: doc["body"] for k, doc in await store.list(PUBLIC_PROPOSALS, CID)}


async def test_a_pre_moderated_contribution_edited_after_its_approval_waits_for_a_new_one(
) -> None:
    world = await world_of("pre")
    await approve(world)
    assert await public(world) == {"k1": "Créer une ligne de bus entre les villages."}

    await edit(world, "ACHETEZ MES MONTRES sur www.spam-exemple.com maintenant !!!")
    assert await public(world) == {} == await rebuilt(world)  # neither the old nor the new
    item = await world.store.get(ITEMS, ALL, "k1")
    assert item is not None and item["status"] == "pending" and item["deposit_version"] == 2
    assert [k.split("|")[1] for k, _ in await world.store.list(QUEUE, CID)] == ["k1"]

    await approve(world, read=2)
    assert await public(world) == {
        "k1": "ACHETEZ MES MONTRES sur www.spam-exemple.com maintenant !!!"} == await rebuilt(world)
    assert await world.store.list(QUEUE, CID) == []


async def test_a_moderator_deciding_on_a_text_its_author_changed_since_is_refused() -> None:
    world = await world_of("pre")
    await moderate(world, ClaimItem("k1", CID, ANNE))  # the page shows version 1...
    await edit(world, "Un autre texte, écrit pendant que la modératrice lisait.")
    with pytest.raises(DomainError) as caught:
        await moderate(world, Decide("k1", CID, ANNE, "approved", deposit_version=1))
    assert caught.value.code == "edited_since"
    assert await public(world) == {}
    await moderate(world, Decide("k1", CID, ANNE, "approved", deposit_version=2))
    assert list(await public(world)) == ["k1"]


async def test_a_post_moderated_contribution_edited_after_its_approval_stays_shown() -> None:
    world = await world_of("post")
    await approve(world)
    await edit(world, "Créer deux lignes de bus entre les villages de la vallée.")
    assert await public(world) == {
        "k1": "Créer deux lignes de bus entre les villages de la vallée."} == await rebuilt(world)
    item = await world.store.get(ITEMS, ALL, "k1")
    assert item is not None and item["status"] == "pending"  # read again if a check asks
    assert await world.store.list(QUEUE, CID) == []  # nothing the checks flagged


async def test_an_edit_after_a_mask_replaces_the_masked_text_once_approved() -> None:
    world = await world_of("pre")
    await moderate(world, ClaimItem("k1", CID, ANNE))
    await moderate(world, MaskPersonalData("k1", CID, ANNE,
                                           body="Créer une ligne de bus [masqué]."))
    await moderate(world, Decide("k1", CID, ANNE, "approved"))
    assert await public(world) == {"k1": "Créer une ligne de bus [masqué]."}
    await edit(world, "Créer une ligne de bus entre les trois villages.")
    assert await public(world) == {} == await rebuilt(world)
    item = await world.store.get(ITEMS, ALL, "k1")
    assert item is not None and not item["masked"]  # the moderator may mask the new text
    assert item["body"] == "Créer une ligne de bus entre les trois villages."
    await approve(world, read=2)
    assert await public(world) == {
        "k1": "Créer une ligne de bus entre les trois villages."} == await rebuilt(world)


# -- every order ---------------------------------------------------------------------------

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _story(*, masked_at: int | None, approved_at: tuple[int, ...], moderation: str = "pre",
           legacy: bool = False) -> tuple[list[Envelope], list[Envelope]]:
    """A proposal submitted and edited twice (deposit versions 1-3) and, on the
    moderation stream, a mask of `masked_at` and approvals of `approved_at`'s
    versions, in this order; `legacy`: decisions and masks without versions."""
    log = Streams(T0)
    deposit = [log.add("deposit.ProposalSubmitted", "contribution-k1", contribution_id="k1",
                       consultation_id=CID, author_id="p-alice", title="Titre",
                       body="texte 1", theme_id="", territory="", moderation=moderation)]
    for n in (2, 3):
        deposit.append(log.add("deposit.ContributionEdited", "contribution-k1",
                               contribution_id="k1", consultation_id=CID, title="Titre",
                               body=f"texte {n}"))
    steps: list[tuple[int, str]] = sorted(
        [(v, "approve") for v in approved_at]
        + ([] if masked_at is None else [(masked_at, "mask")]), key=lambda s: (s[0], s[1]))
    moderation_events = []
    for version, step in steps:
        seen: dict[str, Any] = {} if legacy else {"deposit_version": version}
        if step == "mask":
            moderation_events.append(log.add(
                "moderation.PersonalDataMasked", "moderation-k1", contribution_id="k1",
                consultation_id=CID, moderator_id="m", title="Titre",
                body=f"texte {version} masqué", **seen))
        else:
            moderation_events.append(log.add(
                "moderation.DecisionMade", "moderation-k1", contribution_id="k1",
                consultation_id=CID, moderator_id="m", decision="approved",
                reason_code="conforme", campaign_group_id="", **seen))
    return deposit, moderation_events


def _interleavings(a: list[Envelope], b: list[Envelope]) -> list[list[Envelope]]:
    """Every merge of the two streams keeping each one's own order."""
    merged = []
    for slots in itertools.combinations(range(len(a) + len(b)), len(a)):
        out, ia, ib = [], iter(a), iter(b)
        for n in range(len(a) + len(b)):
            out.append(next(ia) if n in slots else next(ib))
        merged.append(out)
    return merged


async def _fold(events: list[Envelope], *, one_at_a_time: bool) -> tuple[Any, ...]:
    store = MemoryReadStore()
    projections = [PublicationProjection(), QueueProjection()]
    batches = [[e] for e in events] if one_at_a_time else [events]
    for batch in batches:
        for p in projections:
            await project_batch(p, batch, store)
    shown = await store.get(PUBLIC_PROPOSALS, CID, "k1")
    state = await store.get(STATE, ALL, "k1")
    item = await store.get(ITEMS, ALL, "k1")
    assert state is not None and item is not None
    return (shown and shown["body"], state["body"], item["status"], item["body"],
            item["masked"])


@pytest.mark.parametrize(("masked_at", "approved_at", "moderation", "legacy", "expected"), [
    # approved at 1, edited twice since: waits
    (None, (1,), "pre", False, (None, "texte 3", "pending", "texte 3", False)),
    # approved again at the last text: shown
    (None, (1, 3), "pre", False, ("texte 3", "texte 3", "approved", "texte 3", False)),
    # approved at 2 only, edited once more: waits
    (None, (2,), "pre", False, (None, "texte 3", "pending", "texte 3", False)),
    # post-moderated: shown whatever the approval's age
    (None, (1,), "post", False, ("texte 3", "texte 3", "pending", "texte 3", False)),
    # masked at 2: the edit to 3 replaces it; the approval at 3 shows it
    (2, (3,), "pre", False, ("texte 3", "texte 3", "approved", "texte 3", False)),
    # masked at 3, the last text: the mask stays
    (3, (3,), "pre", False, ("texte 3 masqué", "texte 3 masqué", "approved", "texte 3 masqué",
                             True)),
    # decisions and masks written before versions: they cover every text, as they did
    (1, (1,), "pre", True, ("texte 1 masqué", "texte 1 masqué", "approved", "texte 1 masqué",
                            True)),
])
async def test_every_order_of_the_two_streams_gives_the_same_read_models(
        masked_at: int | None, approved_at: tuple[int, ...], moderation: str, legacy: bool,
        expected: tuple[Any, ...]) -> None:
    deposit, moderation_events = _story(masked_at=masked_at, approved_at=approved_at,
                                        moderation=moderation, legacy=legacy)
    for order in _interleavings(deposit, moderation_events):
        # one event a batch (a live worker), and each topic's batch whole (a rebuild)
        assert await _fold(order, one_at_a_time=True) == expected, [e.type for e in order]
    assert await _fold(deposit + moderation_events, one_at_a_time=False) == expected
    assert await _fold(moderation_events + deposit, one_at_a_time=False) == expected
