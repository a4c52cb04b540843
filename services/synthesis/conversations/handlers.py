"""Commands of opinion groups and their handlers (ports only): import a Pol.is
conversation into a consultation, publish the consultation's opinion groups.

Both decide on the log: the import appends with `expect=0` on the
conversation's stream (a second import into one consultation is refused, a
retried one too), and the publication computes the groups from the opinions the
log holds at that moment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.consultation import queries as consultations
from services.core.clock import Clock
from services.core.errors import DomainError, NotFound
from services.core.events import Meta
from services.eventlog.port import EventLog, append_to
from services.store.port import ReadStore
from services.synthesis.conversations.events import OpinionGroupsPublished
from services.synthesis.conversations.snapshot import snapshot
from services.synthesis.groups.analysis import analyse_opinions
from services.synthesis.opinions import OpinionBook
from services.synthesis.polis.importer import ImportReport, import_polis


@dataclass(frozen=True, slots=True)
class ImportConversation:
    consultation_id: str
    directory: Path


@dataclass(frozen=True, slots=True)
class PublishOpinionGroups:
    consultation_id: str
    titles: dict[str, str] | None = None  # texts of voted items (they have no body here)


async def import_conversation(cmd: ImportConversation, *, log: EventLog, store: ReadStore,
                              meta: Meta) -> ImportReport:
    if await consultations.consultation(store, cmd.consultation_id) is None:
        raise NotFound("Consultation")
    return await import_polis(cmd.directory, consultation_id=cmd.consultation_id, log=log,
                              meta=meta)


async def publish_opinion_groups(cmd: PublishOpinionGroups, *, log: EventLog,
                                 store: ReadStore, clock: Clock, meta: Meta) -> dict[str, object]:
    if await consultations.consultation(store, cmd.consultation_id) is None:
        raise NotFound("Consultation")
    book = await OpinionBook.from_log(log, cmd.consultation_id)
    try:  # seconds of numpy for a large conversation: off the event loop
        analysis = await asyncio.to_thread(analyse_opinions, book)
    except ValueError as too_few:  # too few participants or statements to form groups
        raise DomainError("too_few_opinions", str(too_few)) from None
    data = snapshot(book, analysis, cmd.titles)
    stream = f"opiniongroups-{cmd.consultation_id}"
    await append_to(log, stream, await log.stream_version(stream),
                    [OpinionGroupsPublished(**data)], clock=clock, meta=meta,
                    consultation_id=cmd.consultation_id)
    return data


HANDLERS: dict[type, Callable[..., Awaitable[Any]]] = {ImportConversation: import_conversation,
            PublishOpinionGroups: publish_opinion_groups}
