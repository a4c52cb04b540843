"""Moderation command handlers: fold the item from the log, decide, append
expecting the version it was read at (a concurrent writer means 409, never a lost
update). The item is decided on its streams in the log (ADR 0030) -- the
contribution's (deposit's query port), its moderation stream, its appeal and its
automatic checks -- never on the queue's read model, which lags: a decision right
after a claim finds the claim. Charters and campaign groups are reference data
read from the read models. Ports only: `log`, `store`, `clock`, `meta`."""

from __future__ import annotations

from collections.abc import Sequence

from services.core.clock import Clock
from services.core.envelope import Actor
from services.core.errors import ConcurrencyConflict, DomainError, NotFound
from services.core.events import DomainEvent, Meta
from services.core.participants import require_proof
from services.core.personal_data import redact
from services.core.upcasting import upcast
from services.deposit import queries as deposits
from services.eventlog.port import EventLog, append_at, append_to
from services.moderation import model
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    DecideCampaign,
    FlagContribution,
    LodgeAppeal,
    MaskPersonalData,
    SetCharter,
)
from services.moderation.events import ContributionFlagged
from services.moderation.process import check_stream
from services.moderation.queue import ALL, CAMPAIGNS, CHARTERS, ITEMS
from services.store.port import Doc, ReadStore

BULK_PAGE = 500


def item_stream(contribution_id: str) -> str:
    return f"moderation-{contribution_id}"


def appeal_stream(contribution_id: str) -> str:
    return f"modappeal-{contribution_id}"


def flag_stream(contribution_id: str, participant_id: str) -> str:
    return f"modflag-{contribution_id}-{participant_id}"


def charter_stream(consultation_id: str) -> str:
    return f"modcharter-{consultation_id}"


async def item_from_log(log: EventLog, store: ReadStore, contribution_id: str) -> Doc | None:
    """The ITEM folded from every stream that decides it, read from the log. The
    submission's stream is the contribution's own, but a questionnaire response's
    is `response-<questionnaire>-<participant>` (one response a person, ADR 0030),
    which its id does not tell: the queue's item names it (its `deposit_stream`)."""
    known = await store.get(ITEMS, ALL, contribution_id)
    stream = str(known.get("deposit_stream") or "") if known else ""
    submitted = [e for e in await log.read_stream(stream)
                 if e.data.get("contribution_id") == contribution_id] if stream \
        else await deposits.history(log, contribution_id)
    checks = [e for event in submitted
              for e in await log.read_stream(check_stream(contribution_id,
                                                          event.stream_version))]
    own = [*await log.read_stream(item_stream(contribution_id)),
           *await log.read_stream(appeal_stream(contribution_id))]
    return model.item_of([upcast(e) for e in (*submitted, *checks, *own)])


async def claim_item(cmd: ClaimItem, *, log: EventLog, store: ReadStore, clock: Clock,
                     meta: Meta) -> None:
    item = await item_from_log(log, store, cmd.contribution_id)
    event = model.decide_claim(item, cmd, clock.now())
    await _on_item(log, clock, _as(meta, cmd.moderator.moderator_id, "moderator"), item, [event])


async def decide(cmd: Decide, *, log: EventLog, store: ReadStore, clock: Clock,
                 meta: Meta) -> None:
    item = await item_from_log(log, store, cmd.contribution_id)
    charter = await _charter(store, item)
    event = model.decide(item, charter, cmd, clock.now())
    await _on_item(log, clock, _as(meta, cmd.moderator.moderator_id, "moderator"), item, [event])


async def mask_personal_data(cmd: MaskPersonalData, *, log: EventLog, store: ReadStore,
                             clock: Clock, meta: Meta) -> None:
    item = await item_from_log(log, store, cmd.contribution_id)
    event = model.decide_mask(item, cmd, clock.now())
    await _on_item(log, clock, _as(meta, cmd.moderator.moderator_id, "moderator"), item, [event])


async def decide_campaign(cmd: DecideCampaign, *, log: EventLog, store: ReadStore,
                          clock: Clock, meta: Meta) -> int:
    """One decision for every pending member of a campaign group, in one atomic
    append; members claimed by another moderator are left to them, and the
    moderator's own contributions to another. A member is the command's
    consultation's as the group's read model says and as its log says too (ADR
    0133, amendment of 2026-12-08): one of another consultation is left out.
    Returns how many were decided."""
    charter = await store.get(CHARTERS, ALL, cmd.consultation_id)
    ids, after = [], None
    while True:
        rows = await store.list(CAMPAIGNS, cmd.group_id, limit=BULK_PAGE, after=after)
        ids += [doc["id"] for _, doc in rows if doc["consultation_id"] == cmd.consultation_id]
        if len(rows) < BULK_PAGE:
            break
        after = rows[-1][0]
    if not ids:
        raise NotFound("Campagne")
    items = [item for i in ids if (item := await item_from_log(log, store, i)) is not None
             and item["consultation_id"] == cmd.consultation_id]
    now, who = clock.now(), cmd.moderator.moderator_id
    writes = [(item_stream(item["id"]), int(item["version"]),
               [model.decision(item, who, cmd.decision, cmd.reason_code, charter, cmd.group_id)])
              for item in items
              if item["status"] == "pending" and not model.claim_held_by_other(item, who, now)
              and item["author_id"] != who]  # one's own contribution is another's to decide
    # A campaign is detected within one consultation: every item is in this one.
    await append_at(log, writes, clock=clock, meta=_as(meta, who, "moderator"),
                    consultation_id=cmd.consultation_id)
    return len(writes)


async def flag_contribution(cmd: FlagContribution, *, log: EventLog, store: ReadStore,
                            clock: Clock, meta: Meta) -> None:
    doc = model.existing(await item_from_log(log, store, cmd.contribution_id))
    require_proof(cmd.participant, doc["consultation_id"])
    pid = cmd.participant.participant_id
    event = ContributionFlagged(doc["id"], doc["consultation_id"], pid,
                                redact(cmd.reason.strip())[:500])
    try:  # one flag per participant and contribution: the stream's key decides
        await _append(log, clock, _as(meta, pid, "participant"), flag_stream(doc["id"], pid), 0,
                      [event], doc["consultation_id"])
    except ConcurrencyConflict:
        raise DomainError("already_flagged", "Vous avez déjà signalé cette contribution.") \
            from None


async def lodge_appeal(cmd: LodgeAppeal, *, log: EventLog, store: ReadStore, clock: Clock,
                       meta: Meta) -> None:
    item = await item_from_log(log, store, cmd.contribution_id)
    event = model.decide_appeal(item, cmd)
    try:  # one appeal per contribution, ever: version 1 of its own stream
        await _append(log, clock, _as(meta, cmd.participant.participant_id, "participant"),
                      appeal_stream(event.contribution_id), 0, [event], event.consultation_id)
    except ConcurrencyConflict:
        raise DomainError("already_appealed", "Une décision ne peut être contestée qu'une "
                                              "fois.") from None


async def decide_appeal(cmd: DecideAppeal, *, log: EventLog, store: ReadStore, clock: Clock,
                        meta: Meta) -> None:
    item = await item_from_log(log, store, cmd.contribution_id)
    event = model.decide_appeal_outcome(item, cmd)
    if event.outcome == "overturned":
        model.decision(model.existing(item), cmd.moderator.moderator_id, "approved",
                       cmd.reason_code, None)  # the reason must be an approval reason
    await _append(log, clock, _as(meta, cmd.moderator.moderator_id, "moderator"),
                  appeal_stream(event.contribution_id), 1, [event], event.consultation_id)


async def set_charter(cmd: SetCharter, *, log: EventLog, clock: Clock, meta: Meta) -> None:
    event = model.decide_charter(cmd)
    stream = charter_stream(cmd.consultation_id)
    await _append(log, clock, meta, stream, await log.stream_version(stream), [event],
                  cmd.consultation_id)


async def _charter(store: ReadStore, item: Doc | None) -> Doc | None:
    return None if item is None else await store.get(CHARTERS, ALL, item["consultation_id"])


def _as(meta: Meta, actor_id: str, role: str) -> Meta:
    return Meta(actor=Actor(actor_id, role), correlation_id=meta.correlation_id,
                causation_id=meta.causation_id)


async def _on_item(log: EventLog, clock: Clock, meta: Meta, item: Doc | None,
                   events: Sequence[DomainEvent]) -> None:
    doc = model.existing(item)
    await _append(log, clock, meta, item_stream(doc["id"]), int(doc["version"]), events,
                  doc["consultation_id"])


async def _append(log: EventLog, clock: Clock, meta: Meta, stream: str, version: int,
                  events: Sequence[DomainEvent], consultation_id: str) -> None:
    await append_to(log, stream, version, events, clock=clock, meta=meta,
                    consultation_id=consultation_id)
