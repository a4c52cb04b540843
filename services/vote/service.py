"""What the vote service contributes to the composition root: its projection,
its command handlers and its ports (`vote_options`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from services.store.projection import Projection
from services.vote import budget_handlers as bh
from services.vote import commands as c
from services.vote import handlers as h
from services.vote.budget import budget_stream
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


def _by_settings(command: c.ConfigureVote) -> str:
    return f"settings-{command.consultation_id}"


def _by_results(command: c.FreezeResults) -> str:
    return f"results-{command.phase_id}"


def _by_budget(command: c.SetBudgetEnvelope | c.SetProjectCost) -> str:
    return budget_stream(command.consultation_id)


def _by_ranker(command: c.CastRanking) -> str:
    return f"ranking-{command.consultation_id}-{command.participant.participant_id}"


def _by_budget_voter(command: c.CastBudgetBallot) -> str:
    return f"budget-ballot-{command.consultation_id}-{command.participant.participant_id}"


# Sent to the vote replicas in the distributed topology (ADR 0035, 0078), keyed as
# vote.events (data.item_id): the owner of an item's partition decides its ballots,
# the settings', the results' and the budget's partitions their organiser commands.
# A ranking's and a budget ballot's events are keyed by their phase, which only
# their handler finds (the phase open now): they are keyed by the consultation and
# the participant instead, which names every stream they write (one per phase and
# participant), so each of those streams still has one writer.
ROUTED: dict[type, Callable[[Any], str]] = {
    c.CastBallot: _by_item, c.WithdrawBallot: _by_item,
    c.ConfigureVote: _by_settings, c.FreezeResults: _by_results,
    c.SetBudgetEnvelope: _by_budget, c.SetProjectCost: _by_budget,
    c.CastRanking: _by_ranker, c.CastBudgetBallot: _by_budget_voter,
}
# Keyed otherwise than the events they write (above).
NOT_CO_PARTITIONED: frozenset[type] = frozenset({c.CastRanking, c.CastBudgetBallot})

# What their handlers read that other vote writers append: a freeze recounts every
# ballot of the phase; a ranking and a budget ballot check the phase's frozen
# results (and the budget stream, the organiser's envelopes and costs).
ROUTED_READS: dict[type, tuple[str, ...]] = {
    kind: ("vote.events",) for kind in (c.FreezeResults, c.CastRanking, c.CastBudgetBallot)}


def ports(*_: object) -> Mapping[str, object]:
    s = VoteSettings()
    return {"vote_options": VoteOptions(check_existing=s.check_existing, retries=s.retries)}
