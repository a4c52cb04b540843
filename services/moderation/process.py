"""Automatic moderation: a process manager reacting to deposit events.

The runtime's worker gives it checkpoints, retries and dead letters; its effect
is to append `moderation.ContributionChecked` events, never to change a read
model. Idempotent by key: each check goes to its own stream
`modcheck-<contribution>-<deposit version>` at version 1, with an event id
derived from that stream, so a redelivered deposit event re-appends the same
event and the log answers "duplicate".

Per batch, not per event (ADR 0020): `handle` runs the checks of the batch's
deposit events in a thread -- they are CPU work that would otherwise stall the
event loop serving HTTP -- and appends every check in ONE call, one group commit
instead of one fsync per contribution.

The campaign detector lives in memory. On its first event a fresh process
rebuilds it from the log: texts whose check is already in the log are indexed
silently, in log order, so group ids come out as they did before the restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

from services.core.clock import Clock
from services.core.envelope import Actor, Envelope
from services.core.errors import ConcurrencyConflict
from services.core.ids import stable_id
from services.core.plurals import french_count
from services.core.process import ProcessManager
from services.eventlog.port import EventLog, read_all
from services.moderation.campaigns import CampaignDetector
from services.moderation.checks import Suggestion, check_texts
from services.moderation.events import ContributionChecked

CHECKED = ("deposit.ProposalSubmitted", "deposit.ResponseSubmitted",
           "deposit.ArgumentSubmitted", "deposit.CommentSubmitted", "deposit.ContributionEdited")
_NS = uuid.UUID("3b0f7c9e-51a4-4d7b-8f36-0c2d9e6a1b47")
_SYSTEM = Actor.system()


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


class AutoModeration(ProcessManager):
    name = "moderation.auto"
    topics = ("deposit.events",)

    def __init__(self, log: EventLog, clock: Clock,
                 detector: CampaignDetector | None = None) -> None:
        self._log, self._clock = log, clock
        self.detector = detector or CampaignDetector()
        self._rebuilt = False

    async def handle(self, events: Sequence[Envelope]) -> None:
        events = [e for e in events if e.type in CHECKED]
        if not events:
            return
        if not self._rebuilt:
            await self._rebuild()
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
        # built once with its id from the stream (no random id then replaced)
        return Envelope(type=checked.TYPE, schema_version=checked.VERSION, stream=stream,
                        stream_version=1, data=checked.to_data(), actor=_SYSTEM,
                        occurred_at=self._clock.now(), correlation_id=event.correlation_id,
                        causation_id=event.event_id, consultation_id=event.consultation_id,
                        event_id=stable_id(_NS, stream))

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
                "campaign", 2, "Texte quasi identique à " + french_count(
                    update.size - 1, "autre contribution", "autres contributions")
                + " : copier-coller massif possible."))
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

