"""Automatic moderation: a process manager reacting to deposit events.

It runs as a projection (so the runtime's worker gives it checkpoints, retries
and dead letters) but its effect is to append `moderation.ContributionChecked`
events, never to change a read model. Idempotent by key: each check goes to its
own stream `modcheck-<contribution>-<deposit version>` at version 1, with an
event id derived from that stream, so a redelivered deposit event re-appends
the same event and the log answers "duplicate".

Per batch, not per event (ADR 0020): `apply` only collects the batch's deposit
events; `end_batch`, still inside the worker's store transaction (so before the
guards commit), runs the checks in a thread -- they are CPU work that would
otherwise stall the event loop serving HTTP -- and appends every check in ONE
call, one group commit instead of one fsync per contribution while the read
store's write lock is held.

The campaign detector lives in memory. On its first event a fresh process
rebuilds it from the log: texts whose check is already in the log are indexed
silently, in log order, so group ids come out as they did before the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import replace
from typing import Any

from services.core.clock import Clock
from services.core.envelope import Actor, Envelope
from services.core.errors import ConcurrencyConflict
from services.core.events import Meta, wrap
from services.core.projection import Projection
from services.eventlog.port import EventLog, read_all
from services.moderation.campaigns import CampaignDetector
from services.moderation.checks import Suggestion, check_texts
from services.moderation.events import ContributionChecked
from services.store.port import StoreTx

CHECKED = ("deposit.ProposalSubmitted", "deposit.ResponseSubmitted",
           "deposit.ArgumentSubmitted", "deposit.CommentSubmitted", "deposit.ContributionEdited")
_NS = uuid.UUID("3b0f7c9e-51a4-4d7b-8f36-0c2d9e6a1b47")


def texts_of(event: Envelope) -> tuple[dict[str, str], bool]:
    """The text fields a check reads, and whether the contribution has free text."""
    d = event.data
    if event.type == "deposit.ResponseSubmitted":
        texts = {f"answers.{a['question_id']}": a["text"] or a["other_text"]
                 for a in d["answers"] if a["text"] or a["other_text"]}
        return texts, bool(texts)
    texts = {"title": d["title"]} if d.get("title") else {}
    return {**texts, "body": d["body"]}, True


def check_stream(contribution_id: str, deposit_version: int) -> str:
    return f"modcheck-{contribution_id}-{deposit_version}"


class AutoModeration(Projection):
    name = "moderation.auto"
    topics = ("deposit.events",)
    tables = ()

    def __init__(self, log: EventLog, clock: Clock,
                 detector: CampaignDetector | None = None) -> None:
        self._log, self._clock = log, clock
        self.detector = detector or CampaignDetector()
        self._rebuilt = False
        # the deposit events of the batch in hand, and the transaction they belong to
        # (a batch that failed before `end_batch` leaves stale ones: dropped, redelivered)
        self._batch: list[Envelope] = []
        self._batch_tx: StoreTx | None = None

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if event.type not in CHECKED:
            return
        if not self._rebuilt:
            await self._rebuild()
        if tx is not self._batch_tx:
            self._batch, self._batch_tx = [], tx
        self._batch.append(event)

    async def end_batch(self, tx: StoreTx) -> None:
        events = self._batch if tx is self._batch_tx else []
        self._batch, self._batch_tx = [], None
        if not events:
            return
        checked = await asyncio.to_thread(lambda: [self.check(e) for e in events])
        envelopes = [self._envelope(e, c) for e, c in zip(events, checked, strict=True)]
        try:
            await self._log.append(envelopes, expect={e.stream: 0 for e in envelopes})
        except ConcurrencyConflict:
            # some were checked already (a redelivery): append the others one by one
            for envelope in envelopes:
                with contextlib.suppress(ConcurrencyConflict):
                    await self._log.append([envelope], expect={envelope.stream: 0})

    def _envelope(self, event: Envelope, checked: ContributionChecked) -> Envelope:
        stream = check_stream(checked.contribution_id, event.stream_version)
        envelope = wrap(checked, stream=stream, stream_version=1,
                        meta=Meta(Actor.system(), correlation_id=event.correlation_id,
                                  causation_id=event.event_id),
                        occurred_at=self._clock.now(), consultation_id=event.consultation_id)
        return replace(envelope, event_id=_stable_id(stream))

    def check(self, event: Envelope) -> ContributionChecked:
        d = event.data
        texts, free_text = texts_of(event)
        suggestions = check_texts(texts, free_text=free_text)
        group, moved = "", []
        update = self.detector.add(d["contribution_id"], "\n".join(texts.values()),
                                   scope=d["consultation_id"])
        if update is not None:
            group, moved = update.group_id, list(update.members_moved)
            suggestions.append(Suggestion(
                "campaign", 2, f"Texte quasi identique à {update.size - 1} autre(s) "
                               "contribution(s) : copier-coller massif possible."))
        return ContributionChecked(
            contribution_id=d["contribution_id"], consultation_id=d["consultation_id"],
            deposit_version=event.stream_version,
            suggestions=[s.to_data() for s in suggestions],
            severity=max((s.severity for s in suggestions), default=0),
            campaign_group_id=group, campaign_members_moved=moved)

    async def _rebuild(self) -> None:
        done: set[str] = set()
        async for e in _all(self._log, "moderation.events"):
            if e.type == "moderation.ContributionChecked":
                done.add(e.stream)
        async for e in _all(self._log, "deposit.events"):
            if e.type in CHECKED and check_stream(e.data["contribution_id"],
                                                  e.stream_version) in done:
                texts, _ = texts_of(e)
                self.detector.add(e.data["contribution_id"], "\n".join(texts.values()),
                                  scope=e.data["consultation_id"])
        self._rebuilt = True


async def _all(log: EventLog, topic: str) -> Any:
    async for rec in read_all(log, topic):
        yield rec.event


def _stable_id(key: str) -> str:
    """A UUIDv7-shaped id derived from `key` (the envelope schema wants version 7)."""
    raw = bytearray(uuid.uuid5(_NS, key).bytes)
    raw[6] = (raw[6] & 0x0F) | 0x70
    raw[8] = (raw[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(raw)))
