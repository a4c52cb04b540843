"""What the vote service contributes to the composition root: its projection,
its command handlers and its ports (`vote_options`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from services.store.projection import Projection
from services.vote import budget_handlers as bh
from services.vote import commands as c
from services.vote import handlers as h
from services.vote.projections import TalliesProjection
from services.vote.settings import VoteOptions, VoteSettings

Handler = Callable[..., Awaitable[Any]]

PROJECTIONS: tuple[Callable[[], Projection], ...] = (TalliesProjection,)

HANDLERS: dict[type, Handler] = {
    c.CastBallot: h.cast_ballot,
    c.WithdrawBallot: h.withdraw_ballot,
    c.CastRanking: h.cast_ranking,
    c.ConfigureVote: h.configure_vote,
    c.FreezeResults: h.freeze_results,
    c.SetBudgetEnvelope: bh.set_budget_envelope,
    c.SetProjectCost: bh.set_project_cost,
    c.CastBudgetBallot: bh.cast_budget_ballot,
}


def _by_item(command: c.CastBallot | c.WithdrawBallot) -> str:
    return command.item_id


# Sent to the vote replicas in the distributed topology (ADR 0035), keyed as
# vote.events (data.item_id): the owner of an item's partition decides its ballots.
ROUTED: dict[type, Callable[[Any], str]] = {c.CastBallot: _by_item, c.WithdrawBallot: _by_item}


def ports(*_: object) -> Mapping[str, object]:
    s = VoteSettings()
    return {"vote_options": VoteOptions(check_existing=s.check_existing, retries=s.retries)}
