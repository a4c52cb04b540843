"""Vote command handlers: load what the decision needs, decide (model.py), append
with the ballot stream's expected version. Ports by keyword: `log`, `store`,
`clock`, `meta`, optionally `items` (PublishedItems; default: read models) and
`vote_options`.

A ballot is decided on its own stream read from the log (ADR 0030), never on the
ballots read model, which lags: "unchanged" is an answer the log gives, like
"recorded". The published item and the phase are another aggregate's reference
data (read models); the phase's frozen results are checked in the log. The append
expects the version the decision read: if a concurrent change of the same ballot
got there first, either it was the same decision (same deterministic event id: the
log answers "duplicate") or the append is refused, and the handler reads the
stream again and decides again (bounded).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from services.consultation import queries as consultations
from services.core.clock import Clock
from services.core.envelope import Actor, Envelope
from services.core.errors import ConcurrencyConflict, DomainError
from services.core.events import DomainEvent, Meta, wrap
from services.core.participants import ParticipantContext
from services.core.values import parse_iso
from services.eventlog.port import EventLog, Recorded, append_to
from services.store.port import Doc as StoreDoc
from services.store.port import ReadStore
from services.vote import budget, model
from services.vote.commands import (
    CastBallot,
    CastRanking,
    ConfigureVote,
    FreezeResults,
    WithdrawBallot,
)
from services.vote.events import ResultsFrozen, SupportThresholdReached
from services.vote.items import PublishedItem, PublishedItems, StorePublishedItems
from services.vote.model import Doc
from services.vote.projections import BALLOTS, SETTINGS, TALLIES, tally_partition
from services.vote.recount import recount_phase
from services.vote.settings import VoteOptions

ALL = "all"


async def cast_ballot(cmd: CastBallot, *, log: EventLog, store: ReadStore, clock: Clock,
                      meta: Meta, items: PublishedItems | None = None,
                      vote_options: VoteOptions | None = None) -> dict[str, Any]:
    kind = model.check_kind(cmd.ballot_kind)
    found, consultation = await _item_and_consultation(items, store, cmd.item_id)
    item = model.votable(found)
    phase = model.open_vote_phase(consultation, cmd.participant, model.KINDS[kind],
                                  clock.now())
    pid = cmd.participant.participant_id
    stream = model.ballot_stream(phase["phase_id"], kind, item.item_id, pid)
    options = vote_options or VoteOptions()
    # The ballot's stream and its phase's frozen results in one read of the log
    # (ADR 0097), checked in _open_phase's order: frozen first, then the item.
    results = model.results_stream(phase_consultation(consultation), phase["phase_id"])
    if options.check_existing:
        history, frozen = await log.read_stream_and_version(stream, results)
    else:
        history, frozen = None, await log.stream_version(results)
    if frozen > 0:
        raise model.RESULTS_FROZEN()
    model.check_in_phase(item, phase, consultation)

    async def attempt(current: Doc | None) -> dict[str, Any]:
        live = None if current is None or current.get("withdrawn") else current
        event = model.decide_ballot(cmd, live, phase, item)
        if event is None:
            return {"status": "unchanged", "choice": cmd.choice}
        recorded = await _append(log, clock, meta, cmd.participant, event, stream,
                                 current["version"] if current else 0)
        if kind == "support" and not recorded.duplicate:
            await _check_threshold(log, store, clock, meta, event.consultation_id,
                                   phase, item.item_id, pid, recorded)
        return {"status": "unchanged" if recorded.duplicate else "recorded",
                "choice": cmd.choice}

    return await _deciding(log, stream, model.ballot_of, options, attempt, history)


async def withdraw_ballot(cmd: WithdrawBallot, *, log: EventLog, store: ReadStore,
                          clock: Clock, meta: Meta, items: PublishedItems | None = None,
                          vote_options: VoteOptions | None = None) -> dict[str, Any]:
    kind = model.check_kind(cmd.ballot_kind)
    item = await (items or StorePublishedItems(store)).get(cmd.item_id)
    if item is None:
        model.votable(item)
    assert item is not None  # a hidden or withdrawn item's ballot can still be withdrawn
    consultation = await consultations.consultation(store, item.consultation_id)
    phase = await _open_phase(log, consultation, cmd.participant, model.KINDS[kind],
                              clock.now())
    pid = cmd.participant.participant_id
    stream = model.ballot_stream(phase["phase_id"], kind, item.item_id, pid)

    async def attempt(current: Doc | None) -> dict[str, Any]:
        live = None if current is None or current.get("withdrawn") else current
        event = model.decide_withdrawal(kind, live, phase, item, pid)
        if event is None:
            return {"status": "unchanged"}
        assert current is not None
        recorded = await _append(log, clock, meta, cmd.participant, event, stream,
                                 current["version"])
        return {"status": "unchanged" if recorded.duplicate else "withdrawn"}

    # A withdrawal always needs the current ballot: the switch does not apply.
    options = dataclasses.replace(vote_options or VoteOptions(), check_existing=True)
    return await _deciding(log, stream, model.ballot_of, options, attempt)


async def cast_ranking(cmd: CastRanking, *, log: EventLog, store: ReadStore, clock: Clock,
                       meta: Meta, items: PublishedItems | None = None,
                       vote_options: VoteOptions | None = None) -> dict[str, Any]:
    consultation = await consultations.consultation(store, cmd.consultation_id)
    phase = await _open_phase(log, consultation, cmd.participant, "vote_ranking", clock.now())
    method = model.method_of(phase, await store.get(SETTINGS, ALL, cmd.consultation_id))
    source = items or StorePublishedItems(store)
    found = {i: await source.get(i) for i in cmd.items}
    model.check_ranking(cmd, found, int(method["ranking_max"]), phase, consultation)
    pid = cmd.participant.participant_id
    stream = model.ranking_stream(phase["phase_id"], pid)

    async def attempt(current: Doc | None) -> dict[str, Any]:
        event = model.decide_ranking(cmd, current, phase)
        if event is None:
            return {"status": "unchanged", "items": list(cmd.items)}
        recorded = await _append(log, clock, meta, cmd.participant, event, stream,
                                 current["version"] if current else 0)
        return {"status": "unchanged" if recorded.duplicate else "recorded",
                "items": list(cmd.items)}

    return await _deciding(log, stream, model.ranking_of, vote_options or VoteOptions(),
                           attempt)


async def configure_vote(cmd: ConfigureVote, *, log: EventLog, store: ReadStore, clock: Clock,
                         meta: Meta) -> None:
    consultation = await consultations.consultation(store, cmd.consultation_id)
    event = model.decide_settings(consultation, cmd)
    stream = model.settings_stream(cmd.consultation_id)
    await append_to(log, stream, await log.stream_version(stream), [event], clock=clock,
                    meta=meta, consultation_id=cmd.consultation_id)


async def freeze_results(cmd: FreezeResults, *, log: EventLog, store: ReadStore, clock: Clock,
                         meta: Meta) -> dict[str, Any]:
    """Snapshot a closed phase's results, recounted from the log (not the
    projection, which may lag at the close). Once per phase, by the stream key."""
    consultation = await consultations.consultation(store, cmd.consultation_id)
    phases = {p["phase_id"]: p for p in (consultation or {}).get("phases", [])}
    phase = phases.get(cmd.phase_id)
    if phase is None:
        raise DomainError("unknown_phase", "Cette phase n'existe pas.", field="phase_id")
    if clock.now() < parse_iso(phase["ends_at"]):
        raise DomainError("phase_not_closed", "Les résultats ne peuvent être figés qu'après "
                          "la clôture de la phase.", field="phase_id")
    stream = model.results_stream(cmd.consultation_id, cmd.phase_id)
    if await log.stream_version(stream) > 0:  # before the recount, which reads every ballot
        return {"status": "already_frozen"}
    counted = await recount_phase(log, cmd.consultation_id, cmd.phase_id)
    budgeted: dict[str, Any] = {}
    if budget.ACTION in phase.get("actions", ()):
        state = budget.budget_of(await log.read_stream(budget.budget_stream(
            cmd.consultation_id)))
        budgeted = {"votes": counted.budget,
                    "envelopes": state["envelopes"], "costs": state["costs"]}
    event = ResultsFrozen(item_id=f"results-{cmd.phase_id}", consultation_id=cmd.consultation_id,
                          phase_id=cmd.phase_id, phase_ends_at=phase["ends_at"],
                          tallies=counted.tallies, rankings=counted.ranking, budget=budgeted)
    envelope = wrap(event, stream=stream, stream_version=1, meta=meta, occurred_at=clock.now(),
                    consultation_id=cmd.consultation_id)
    try:
        recorded = await log.append([envelope], expect={stream: 0})
    except ConcurrencyConflict:
        return {"status": "already_frozen"}
    return {"status": "frozen", "items": len(counted.tallies),
            "event_id": recorded[0].event.event_id}


async def _item_and_consultation(items: PublishedItems | None, store: ReadStore,
                                 item_id: str) -> tuple[PublishedItem | None, StoreDoc | None]:
    """The item and its consultation: one read of the store once this process has
    seen the item (ADR 0097), with the read models' items; two with others."""
    if items is None:
        return await StorePublishedItems(store).with_consultation(item_id)
    item = await items.get(item_id)
    if item is None:
        return None, None
    return item, await consultations.consultation(store, item.consultation_id)


async def _open_phase(log: EventLog, consultation: dict[str, Any] | None,
                      participant: ParticipantContext, action: str,
                      now: datetime) -> dict[str, Any]:
    """The open phase allowing `action`, whose results are not frozen: once they
    are (the log says so), no ballot moves them, even if the phase was re-opened."""
    phase = model.open_vote_phase(consultation, participant, action, now)
    if await log.stream_version(model.results_stream(phase_consultation(consultation),
                                                     phase["phase_id"])) > 0:
        raise model.RESULTS_FROZEN()
    return phase


def phase_consultation(consultation: dict[str, Any] | None) -> str:
    assert consultation is not None  # open_vote_phase refused an unknown one
    return str(consultation["id"])


async def _deciding(log: EventLog, stream: str,
                    fold: Callable[[Sequence[Envelope]], Doc | None],
                    options: VoteOptions, attempt: Any,
                    history: Sequence[Envelope] | None = None) -> dict[str, Any]:
    """Decide on the stream's history read from the log (`history`: already read
    for the first attempt); on a conflict (a concurrent change of the same ballot),
    read it again and decide again, a bounded number of times. With
    `check_existing` off (a test switch), decide as if no ballot existed: only the
    log's key and event-id idempotence keep one ballot."""
    for retry in range(options.retries + 1):
        if not options.check_existing:
            current = None
        else:
            if history is None:
                history = await log.read_stream(stream)
            current = fold(history)
            history = None  # a retry reads the stream again
        try:
            result: dict[str, Any] = await attempt(current)
            return result
        except ConcurrencyConflict:
            if not options.check_existing or retry == options.retries:
                raise
    raise AssertionError("unreachable")


async def _check_threshold(log: EventLog, store: ReadStore, clock: Clock, meta: Meta,
                           consultation_id: str, phase: Doc, item_id: str, pid: str,
                           recorded: Recorded) -> None:
    """Emit SupportThresholdReached once per (phase, item): the stream key makes it
    once even when several supports cross the threshold at the same moment. The
    count is the projected tally plus this support if not projected yet. The
    threshold is the phase's (ADR 0062)."""
    phase_id = phase["phase_id"]
    settings = await store.get(SETTINGS, ALL, consultation_id)
    threshold = int(model.method_of(phase, settings)["support_threshold"])
    tally = await store.get(TALLIES, tally_partition(consultation_id, phase_id), item_id)
    ballot = await store.get(BALLOTS, pid, model.ballot_key(phase_id, "support", item_id))
    supports = tally["support"]["total"] if tally else 0
    if ballot is None or ballot["version"] < recorded.event.stream_version:
        supports += 1
    if supports < threshold:
        return
    stream = f"support-threshold-{phase_id}-{item_id}"
    event = SupportThresholdReached(item_id=item_id, consultation_id=consultation_id,
                                    phase_id=phase_id, threshold=threshold, supports=supports)
    envelope = wrap(event, stream=stream, stream_version=1, meta=meta, occurred_at=clock.now(),
                    consultation_id=consultation_id)
    envelope = dataclasses.replace(envelope, event_id=model.deterministic_id(
        stream, 1, {"item_id": item_id, "phase_id": phase_id}))
    with contextlib.suppress(ConcurrencyConflict):  # already reached and announced
        await log.append([envelope], expect={stream: 0})


async def _append(log: EventLog, clock: Clock, meta: Meta, participant: ParticipantContext,
                  event: DomainEvent, stream: str, version: int) -> Recorded:
    data = event.to_data()
    # identity_level is left out of the id: the same choice is the same ballot.
    decided = {k: v for k, v in data.items() if k != "identity_level"}
    # Built in one step with its deterministic id, as `wrap` would then
    # `replace` it: the hottest append pays for its data and id once (ADR 0079).
    envelope = Envelope(
        type=event.TYPE, schema_version=event.VERSION, stream=stream,
        stream_version=version + 1, data=data,
        actor=Actor(participant.participant_id, "participant"), occurred_at=clock.now(),
        correlation_id=meta.correlation_id, causation_id=meta.causation_id,
        consultation_id=data["consultation_id"],
        event_id=model.deterministic_id(stream, version + 1, decided))
    return (await log.append([envelope], expect={stream: version}))[0]
