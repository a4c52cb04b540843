"""Moderation over memory fakes: the process manager's checks, the queue, claims,
decisions, masking, flags, appeals, campaigns, publication and transparency."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from harness.deposit_world import CID, World, participant

from services.core.errors import DomainError
from services.core.participants import ModeratorContext
from services.deposit.commands import SubmitArgument, SubmitProposal
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    DecideCampaign,
    FlagContribution,
    LodgeAppeal,
    MaskPersonalData,
)
from services.moderation.handlers import (
    claim_item,
    decide,
    decide_appeal,
    decide_campaign,
    flag_contribution,
    lodge_appeal,
    mask_personal_data,
)
from services.moderation.process import AutoModeration
from services.moderation.publication import PUBLIC_PROPOSALS, PublicationProjection
from services.moderation.queue import ALL, ITEMS, QUEUE, TRANSPARENCY, QueueProjection

ANNE, BRUNO = ModeratorContext("p-anne"), ModeratorContext("p-bruno")
HANDLERS = {ClaimItem: claim_item, Decide: decide, MaskPersonalData: mask_personal_data,
            DecideCampaign: decide_campaign, FlagContribution: flag_contribution,
            LodgeAppeal: lodge_appeal, DecideAppeal: decide_appeal}


async def moderated(moderation: str = "post") -> World:
    world = World()
    world.projections += [AutoModeration(world.log, world.clock), QueueProjection(),
                          PublicationProjection()]
    return await world.setup(moderation=moderation)


async def run(world: World, command: object) -> object:
    result = await HANDLERS[type(command)](command, log=world.log, store=world.store,
                                           clock=world.clock, meta=world.meta)
    await world.project()
    return result


async def submit(world: World, cid: str, body: str, who: str = "p-alice",
                 title: str = "Une proposition") -> None:
    await world.handle(SubmitProposal(cid, CID, participant(who), title, body))
    await world.project()
    await world.project()  # the checks appended by the process manager


async def public_ids(world: World) -> list[str]:
    return [k for k, _ in await world.store.list(PUBLIC_PROPOSALS, CID)]


async def test_a_phone_number_is_taken_out_at_deposit_and_the_moderator_told() -> None:
    world = await moderated("post")
    await submit(world, "k1", "Rappelez-moi au 06 12 34 56 78 pour organiser la réunion.")
    [submitted] = [e for e in await world.events() if e.type == "deposit.ProposalSubmitted"]
    assert submitted.data["body"] == ("Rappelez-moi au [téléphone masqué] pour organiser la "
                                      "réunion.")  # never in the log in clear (ADR 0044)
    item = await world.store.get(ITEMS, ALL, "k1")
    assert item is not None and item["severity"] == 1
    [s] = item["suggestions"]
    assert s["code"] == "personal_data" and not s["masked"]
    assert "retirées au dépôt : numéro de téléphone (1)" in s["explanation"]
    [(_, doc)] = await world.store.list(PUBLIC_PROPOSALS, CID)
    assert "[téléphone masqué]" in doc["body"] and "06 12" not in doc["body"]


async def test_a_moderator_masks_what_no_check_could_recognise() -> None:
    world = await moderated("post")
    await submit(world, "k1", "Demandez à Mme Irène Pastoureau, ma voisine, pour la réunion.")
    await run(world, ClaimItem("k1", CID, ANNE))
    with pytest.raises(DomainError) as caught:
        await run(world, MaskPersonalData("k1", CID, ANNE))  # no automatic suggestion
    assert caught.value.code == "nothing_to_mask"
    await run(world, MaskPersonalData("k1", CID, ANNE, body="Demandez à [nom masqué], ma voisine, "
                                                         "pour la réunion."))
    [(_, doc)] = await world.store.list(PUBLIC_PROPOSALS, CID)
    assert "[nom masqué]" in doc["body"] and "Pastoureau" not in doc["body"]


async def test_pre_moderation_hides_until_approved_and_the_check_is_written_once() -> None:
    world = await moderated("pre")
    await submit(world, "k1", "Créer une ligne de bus entre les villages de la vallée.")
    assert await public_ids(world) == []
    assert [k for k, _ in await world.store.list(QUEUE, CID)] == ["9|k1"]  # pre: always queued
    with pytest.raises(DomainError) as caught:
        await run(world, Decide("k1", CID, ANNE, "approved"))
    assert caught.value.code == "claim_required"
    await run(world, ClaimItem("k1", CID, ANNE))
    with pytest.raises(DomainError):
        await run(world, ClaimItem("k1", CID, BRUNO))  # the lock holds...
    world.clock.advance(timedelta(minutes=16))
    await run(world, ClaimItem("k1", CID, BRUNO))  # ...until it expires
    await run(world, Decide("k1", CID, BRUNO, "approved"))
    assert await public_ids(world) == ["k1"]
    assert await world.store.list(QUEUE, CID) == []
    checks = [e for e in await world.events("moderation.events")
              if e.type == "moderation.ContributionChecked"]
    assert len(checks) == 1
    # a redelivered deposit event appends nothing new (deterministic id, stream key)
    auto = AutoModeration(world.log, world.clock)
    [submitted] = [e for e in await world.events() if e.data["contribution_id"] == "k1"]
    await auto.handle([submitted])
    assert len([e for e in await world.events("moderation.events")
                if e.type == "moderation.ContributionChecked"]) == 1


async def test_hide_with_a_charter_reason_then_one_appeal_decided_by_a_second_moderator() -> None:
    world = await moderated("post")
    await submit(world, "k1", "Le maire est un connard qui ne fait rien pour nous.")
    item = await world.store.get(ITEMS, ALL, "k1")
    assert item is not None and "insult" in {s["code"] for s in item["suggestions"]}
    await run(world, ClaimItem("k1", CID, ANNE))
    with pytest.raises(DomainError) as caught:
        await run(world, Decide("k1", CID, ANNE, "hidden", "pas-dans-la-charte"))
    assert caught.value.code == "unknown_reason"
    with pytest.raises(DomainError) as caught:  # the form sent without a reason chosen
        await run(world, Decide("k1", CID, ANNE, "hidden", ""))
    assert caught.value.code == "reason_required" and "Choisissez le motif" in caught.value.message
    await run(world, Decide("k1", CID, ANNE, "hidden", "injure"))
    assert await public_ids(world) == []
    [(_, count)] = await world.store.list(TRANSPARENCY, CID)
    assert count == {"reason_code": "injure", "count": 1}
    await run(world, LodgeAppeal("k1", participant(), "Je critiquais sa politique."))
    with pytest.raises(DomainError) as caught:
        await run(world, LodgeAppeal("k1", participant(), "Encore une fois."))
    assert caught.value.code == "already_appealed"
    with pytest.raises(DomainError) as caught:
        await run(world, DecideAppeal("k1", CID, ANNE, "overturned"))
    assert caught.value.code == "second_moderator_required"
    await run(world, DecideAppeal("k1", CID, BRUNO, "overturned"))
    assert await public_ids(world) == ["k1"]
    assert (await world.store.list(TRANSPARENCY, CID))[0][1]["count"] == 0


async def test_flags_past_the_threshold_push_an_item_into_the_queue() -> None:
    world = await moderated("post")
    await submit(world, "k1", "Rouvrir la gare de la commune et ajouter des trains le soir.")
    assert await world.store.list(QUEUE, CID) == []
    for who in ("p-1", "p-2"):
        await run(world, FlagContribution("k1", participant(who), "Hors sujet"))
    with pytest.raises(DomainError):
        await run(world, FlagContribution("k1", participant("p-2")))
    assert await world.store.list(QUEUE, CID) == []
    await run(world, FlagContribution("k1", participant("p-3")))
    assert [k for k, _ in await world.store.list(QUEUE, CID)] == ["7|k1"]


async def test_an_anonymous_session_without_the_consultations_proof_cannot_flag() -> None:
    world = await moderated("post")
    await submit(world, "k1", "Rouvrir la gare de la commune et ajouter des trains le soir.")
    unproven = replace(participant("p-1"), unproven=frozenset({CID}))
    with pytest.raises(DomainError) as caught:
        await run(world, FlagContribution("k1", unproven, "Hors sujet"))
    assert caught.value.code == "proof_of_work_required"
    assert not [e for e in await world.log.read("moderation.events")
                if e.event.type.endswith("ContributionFlagged")]
    await run(world, FlagContribution("k1", replace(unproven, unproven=frozenset())))


async def test_a_campaign_is_one_group_decided_in_bulk() -> None:
    world = await moderated("pre")
    text = ("Nous refusons la fermeture de la maternité de notre ville : les futures mères "
            "devraient faire une heure de route pour accoucher.")
    for i, extra in enumerate(["", " Merci.", " Bonjour à tous.", " Signé : une habitante."]):
        await submit(world, f"k{i}", text + extra, who=f"p-{i}")
    await submit(world, "other", "Développer les pistes cyclables entre les communes voisines.")
    groups = {(await world.store.get(ITEMS, ALL, f"k{i}") or {})["campaign_group_id"]
              for i in range(4)}
    assert groups == {"k0"}
    said = [next(x["explanation"] for x in (await world.store.get(ITEMS, ALL, k) or {})[
        "suggestions"] if x["code"] == "campaign") for k in ("k1", "k3")]
    assert said == ["Texte quasi identique à 1 autre contribution : copier-coller massif possible.",
                    "Texte quasi identique à 3 autres contributions : copier-coller massif "
                    "possible."]
    decided = await run(world, DecideCampaign(CID, "k0", ANNE, "rejected", "campagne"))
    assert decided == 4
    assert [k for k, _ in await world.store.list(QUEUE, CID)] == ["9|other"]
    assert (await world.store.list(TRANSPARENCY, CID))[0][1] == {"reason_code": "campagne",
                                                                  "count": 4}


async def test_public_proposals_embed_their_published_arguments() -> None:
    world = await moderated("post")
    await submit(world, "k1", "Planter des arbres dans toutes les cours d'école du département.")
    await world.handle(SubmitArgument("a1", "k1", participant("p-bob"), "for",
                                      "Plus de fraîcheur en été."))
    await world.handle(SubmitArgument("a2", "k1", participant("p-eve"), "against",
                                      "Cela coûte cher à entretenir."))
    await world.project()
    await world.project()
    [(_, doc)] = await world.store.list(PUBLIC_PROPOSALS, CID)
    assert doc["counts"] == {"for": 1, "against": 1}
    assert doc["arguments"]["for"][0]["body"] == "Plus de fraîcheur en été."


async def test_moderation_decides_on_the_log_not_the_lagging_queue() -> None:
    """Nothing projected between the commands (the queue's read model is empty):
    a claim then a decision right after it succeed, a second moderator's claim
    meanwhile is refused, and an appeal right after a hiding is lodged (ADR 0030)."""
    world = await moderated()
    await world.handle(SubmitProposal("k9", CID, participant("p-zoe"), "Une proposition",
                                      "Des bancs à l'ombre le long des quais."))

    async def now(command: object) -> object:  # the handler alone: no projection after
        return await HANDLERS[type(command)](command, log=world.log, store=world.store,
                                             clock=world.clock, meta=world.meta)

    await now(ClaimItem("k9", CID, ANNE))
    with pytest.raises(DomainError) as taken:
        await now(ClaimItem("k9", CID, BRUNO))
    assert taken.value.code == "claimed"
    await now(Decide("k9", CID, ANNE, "hidden", "hors_sujet"))
    await now(LodgeAppeal("k9", participant("p-zoe"), "Ce n'est pas hors sujet."))
    await now(DecideAppeal("k9", CID, BRUNO, "overturned"))
    assert await world.store.get("moderation_items", "all", "k9") is None  # never projected
    types = [e.type for e in await world.events("moderation.events") if "k9" in e.stream]
    assert types == ["moderation.ItemClaimed", "moderation.DecisionMade",
                     "moderation.AppealLodged", "moderation.AppealDecided"]
