"""A participant's contributions are keyed by the instant they were sent (ADR
0134): in that order whatever their ids, and a read model not rebuilt since the
key changed shows a contribution once when it is withdrawn (moved to its new key)."""

from __future__ import annotations

from datetime import timedelta

from harness.deposit_world import CID, QID, World, participant

from services.consultation.questionnaire import Answer
from services.deposit.commands import (
    SetContributionPolicy,
    SubmitProposal,
    SubmitResponse,
    WithdrawContribution,
)
from services.deposit.projections import BY_AUTHOR


def proposal(cid: str) -> SubmitProposal:
    return SubmitProposal(cid, CID, participant(), "Des pistes cyclables",
                          "Relier les communes par des pistes sécurisées.")


async def test_contributions_sort_by_sending_not_by_id(world: World) -> None:
    await world.handle(SubmitResponse("zz-response", CID, QID, participant(), {
        "impots": Answer(option_ids=("non",))}))
    world.clock.advance(timedelta(microseconds=1))  # keys keep every microsecond
    await world.handle(proposal("aa-proposal"))
    world.clock.advance(timedelta(minutes=1))
    await world.handle(proposal("mm-proposal"))
    await world.project()
    newest_first = await world.store.list(BY_AUTHOR, "p-alice", reverse=True)
    assert [doc["id"] for _, doc in newest_first] == ["mm-proposal", "aa-proposal",
                                                       "zz-response"]


async def test_a_contribution_under_its_old_key_is_moved_not_doubled(world: World) -> None:
    world.meta = world.organiser
    await world.handle(SetContributionPolicy(CID, withdraw_allowed=True))
    await world.handle(proposal("k1"))
    await world.project()
    [(key, doc)] = await world.store.list(BY_AUTHOR, "p-alice")
    async with world.store.transaction() as tx:  # as a read model built before ADR 0134
        await tx.delete(BY_AUTHOR, "p-alice", key)
        await tx.put(BY_AUTHOR, "p-alice", "k1", doc)
    await world.handle(WithdrawContribution("k1", participant()))
    await world.project()
    [(moved, doc)] = await world.store.list(BY_AUTHOR, "p-alice")
    assert moved == key and doc["withdrawn"]
