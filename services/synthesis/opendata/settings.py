"""Whether a consultation's open data is published daily: the command, its
handler (ports only) and the read model (projection `synthesis.opendata_settings`).

| table | partition | key | doc |
|---|---|---|---|
| synthesis_opendata_settings | "all" | consultation_id | {consultation_id, daily, set_at} |
"""

from __future__ import annotations

from dataclasses import dataclass

from services.consultation import queries as consultations
from services.core.clock import Clock
from services.core.envelope import Envelope
from services.core.errors import NotFound
from services.core.events import Meta
from services.core.values import iso
from services.eventlog.port import EventLog, append_to
from services.store.port import ReadStore, StoreTx
from services.store.projection import Projection
from services.synthesis.events import CONVERSATION_EVENTS
from services.synthesis.opendata.events import OpenDataPublicationSet

SETTINGS = "synthesis_opendata_settings"
ALL = "all"


@dataclass(frozen=True, slots=True)
class SetOpenDataPublication:
    consultation_id: str
    daily: bool


async def set_opendata_publication(cmd: SetOpenDataPublication, *, log: EventLog,
                                   store: ReadStore, clock: Clock, meta: Meta) -> None:
    if await consultations.consultation(store, cmd.consultation_id) is None:
        raise NotFound("Consultation")
    stream = f"opendata-{cmd.consultation_id}"
    version = await log.stream_version(stream)
    event = OpenDataPublicationSet(consultation_id=cmd.consultation_id, daily=cmd.daily)
    await append_to(log, stream, version, [event], clock=clock, meta=meta,
                    consultation_id=cmd.consultation_id)


async def publishes_daily(store: ReadStore, consultation_id: str) -> bool:
    doc = await store.get(SETTINGS, ALL, consultation_id)
    return bool(doc and doc["daily"])


async def daily_consultations(store: ReadStore) -> list[str]:
    found, after = [], None
    while rows := await store.list(SETTINGS, ALL, limit=500, after=after):
        found += [cid for cid, doc in rows if doc["daily"]]
        after = rows[-1][0]
    return found


class OpenDataSettingsProjection(Projection):
    name = "synthesis.opendata_settings"
    topics = ("synthesis.events",)
    tables = (SETTINGS,)
    ignores = CONVERSATION_EVENTS

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if event.type != OpenDataPublicationSet.TYPE:
            return
        d = event.data
        await tx.put(SETTINGS, ALL, d["consultation_id"], {
            "consultation_id": d["consultation_id"], "daily": d["daily"],
            "set_at": iso(event.occurred_at)})
