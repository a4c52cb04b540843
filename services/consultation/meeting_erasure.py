"""An erased account gives up its meetings' seats: a process manager over
`identity.events` (ADR 0139). On `identity.ParticipantErased`, each seat or
waiting place the person held in a meeting not over yet is given up on the
meeting's stream, as their own cancellation would be: a freed seat goes to the
first one waiting in the same append (told by `parlons meeting-notices`, as any
promotion). Before, an erased account kept its seat for good, shown
« (participant·e sans compte) », and the waiting list never moved.

The meetings the person was on come from the registrations' read model
(`meeting_registrations`, by participant), read once it holds what
`consultation.events` held when the erasure was handled (ADR 0054), so a
registration made just before is not missed; the decision itself is taken on
each meeting's stream read from the log. Idempotent by the log: an erasure
handed again finds the person gone from every meeting and writes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from services.consultation.meeting_handlers import release_seat
from services.consultation.projections_meetings import REGISTRATIONS, MeetingProjection
from services.core.clock import Clock
from services.core.envelope import Actor, Envelope
from services.core.events import Meta
from services.core.process import ProcessManager
from services.eventlog.port import EventLog, ModelProgress, ends_of
from services.store.paging import whole_partition
from services.store.port import ReadStore

ERASED = "identity.ParticipantErased"
# How long one wait for the registrations' model lasts; past it, the batch fails as
# an outage (TimeoutError) and the worker tries it again later, dead-lettering nothing.
MODEL_WAIT_S = 10.0


class ErasedLeaveMeetings(ProcessManager):
    name = "consultation.erased_leave_meetings"
    topics = ("identity.events",)

    def __init__(self, log: EventLog, store: ReadStore, clock: Clock,
                 progress: ModelProgress) -> None:
        self._log, self._store, self._clock, self._progress = log, store, clock, progress

    async def handle(self, events: Sequence[Envelope]) -> None:
        erased = [e for e in events if e.type == ERASED]
        if not erased:
            return
        await self._registrations_known()
        for event in erased:
            participant_id = event.data["participant_id"]
            meta = Meta(actor=Actor.system(), correlation_id=event.correlation_id,
                        causation_id=event.event_id)
            for doc in await whole_partition(self._store, REGISTRATIONS, participant_id):
                if not doc.get("cancelled"):
                    await release_seat(doc["meeting_id"], participant_id, log=self._log,
                                       clock=self._clock, meta=meta)

    async def _registrations_known(self) -> None:
        upto = await ends_of(self._log, MeetingProjection.topics)
        if not await self._progress.holds(MeetingProjection.name, upto, within=MODEL_WAIT_S):
            raise TimeoutError("the meetings' read model lags the log: erasures wait for it")
