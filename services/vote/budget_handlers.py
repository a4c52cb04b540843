"""Participatory budget command handlers (ADR 0067): load from the log what the
decision needs (the budget stream, the participant's ballot stream), decide
(budget.py), append expecting the versions read. A concurrent change of the same
stream makes the append fail and the decision is taken again on the new state."""

from __future__ import annotations

from typing import Any

from services.consultation import queries as consultations
from services.core.clock import Clock
from services.core.errors import ConcurrencyConflict, NotFound
from services.core.events import DomainEvent, Meta
from services.eventlog.port import EventLog, append_to
from services.store.port import ReadStore
from services.vote import budget
from services.vote import handlers as vote
from services.vote.commands import CastBudgetBallot, SetBudgetEnvelope, SetProjectCost
from services.vote.items import PublishedItems, StorePublishedItems
from services.vote.settings import VoteOptions

RETRIES = 3


async def set_budget_envelope(cmd: SetBudgetEnvelope, *, log: EventLog, store: ReadStore,
                              clock: Clock, meta: Meta) -> dict[str, Any]:
    await _consultation(store, cmd.consultation_id)
    stream = budget.budget_stream(cmd.consultation_id)
    for retry in range(RETRIES + 1):
        state = budget.budget_of(await log.read_stream(stream))
        event = budget.decide_envelope(cmd, state)
        if event is None:
            return {"status": "unchanged"}
        try:
            await _append(log, clock, meta, stream, state["version"], event)
            return {"status": "recorded", "envelope_id": event.envelope_id}
        except ConcurrencyConflict:
            if retry == RETRIES:
                raise
    raise AssertionError("unreachable")


async def set_project_cost(cmd: SetProjectCost, *, log: EventLog, store: ReadStore,
                           clock: Clock, meta: Meta,
                           items: PublishedItems | None = None) -> dict[str, Any]:
    await _consultation(store, cmd.consultation_id)
    project = await (items or StorePublishedItems(store)).get(cmd.project_id)
    stream = budget.budget_stream(cmd.consultation_id)
    for retry in range(RETRIES + 1):
        state = budget.budget_of(await log.read_stream(stream))
        event = budget.decide_cost(cmd, state, project)
        if event is None:
            return {"status": "unchanged"}
        try:
            await _append(log, clock, meta, stream, state["version"], event)
            return {"status": "recorded"}
        except ConcurrencyConflict:
            if retry == RETRIES:
                raise
    raise AssertionError("unreachable")


async def cast_budget_ballot(cmd: CastBudgetBallot, *, log: EventLog, store: ReadStore,
                             clock: Clock, meta: Meta, items: PublishedItems | None = None,
                             vote_options: VoteOptions | None = None) -> dict[str, Any]:
    """Decided on the truth: the envelope and the costs as the budget stream says
    them now, the participant's ballot as its stream says it."""
    consultation = await consultations.consultation(store, cmd.consultation_id)
    phase = await vote._open_phase(log, consultation, cmd.participant, budget.ACTION,
                                   clock.now())
    state = budget.budget_of(await log.read_stream(budget.budget_stream(cmd.consultation_id)))
    source = items or StorePublishedItems(store)
    found = {p: await source.get(p) for p in cmd.projects[:budget.BALLOT_MAX + 1]}
    total = budget.check_ballot(cmd, state, found)
    stream = budget.ballot_stream(phase["phase_id"], cmd.participant.participant_id)

    async def attempt(current: dict[str, Any] | None) -> dict[str, Any]:
        event = budget.decide_ballot(cmd, current, phase, total)
        if event is None:
            return {"status": "unchanged", "total": total}
        recorded = await vote._append(log, clock, meta, cmd.participant, event, stream,
                                      current["version"] if current else 0)
        return {"status": "unchanged" if recorded.duplicate else "recorded", "total": total}

    return await vote._deciding(log, stream, budget.ballot_of, vote_options or VoteOptions(),
                                attempt)


async def _consultation(store: ReadStore, consultation_id: str) -> dict[str, Any]:
    consultation = await consultations.consultation(store, consultation_id)
    if consultation is None:
        raise NotFound("Consultation")
    return consultation


async def _append(log: EventLog, clock: Clock, meta: Meta, stream: str, version: int,
                  event: DomainEvent) -> None:
    await append_to(log, stream, version, [event], clock=clock, meta=meta,
                    consultation_id=event.to_data()["consultation_id"])
