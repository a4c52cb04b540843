"""`parlons blobs prune [--older-than HOURS]`: deletes the uploaded files nothing
needs any more (ADR 0089) -- a removed document's, a document the replica refused
after the front stored its bytes, a Pol.is export staged for an import.

What is needed is folded from the log, never from a read model that may lag: the
SHA-256 of every document attached and not removed (`consultation.events`). A
staged Pol.is export is needed while its import command is in flight; its first
event names the files (ADR 0127) so that « Reprendre l'import » can send them again
within the grace, but they are not kept past it: an interrupted import a day old
asks for its files again. A blob nothing names is deleted only when it
was last stored longer ago than the grace period, so the bytes of an upload whose
command has not been decided yet are kept. The log is folded before the blobs are
listed: a document attached after the fold names bytes stored just before it,
young, hence kept."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.consultation.blobstore import BlobStore, StoredBlob
from services.consultation.content_events import DocumentAttached, DocumentRemoved
from services.consultation.streams import TOPIC
from services.core.plurals import english_count
from services.eventlog.port import EventLog, read_all
from services.runtime.bootstrap import bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings


class NothingToFoldFrom(Exception):
    """The log holds no consultation event, yet old blobs are there: most likely the
    wrong log (a new Kafka cluster, another data folder), so nothing is deleted."""


@dataclass(slots=True)
class PruneReport:
    deleted: int = 0
    freed_bytes: int = 0
    referenced: int = 0  # kept: a live document names them
    young: int = 0  # kept: stored within the grace period
    abandoned: int = 0  # partial uploads a crash left, deleted


@dataclass(frozen=True, slots=True)
class References:
    sha256: frozenset[str]  # the blobs live documents name
    consultation_events: int  # how many events the fold read


async def live_references(log: EventLog) -> References:
    """The SHA-256 of every document attached and not removed, from the log. A
    document's events share its stream, hence a partition: they come in order."""
    live: dict[str, str] = {}  # document id -> the digest of its bytes
    read = 0
    async for record in read_all(log, TOPIC, page=5000):
        read += 1
        event = record.event
        if event.type == DocumentAttached.TYPE:
            live[event.data["document_id"]] = event.data["sha256"]
        elif event.type == DocumentRemoved.TYPE:
            live.pop(event.data["document_id"], None)
    return References(frozenset(live.values()), read)


async def prune_blobs(log: EventLog, blobs: BlobStore, *, now: datetime,
                      grace: timedelta) -> PruneReport:
    references = await live_references(log)  # before the listing: see the module
    stored_before = now - grace
    report = PruneReport()
    # First what an interrupted write or prune left, so a blob set aside comes back
    # before the listing.
    report.abandoned = await blobs.sweep_abandoned(stored_before=stored_before)
    orphans: list[StoredBlob] = []
    async for blob in blobs.stored():
        if blob.sha256 in references.sha256:
            report.referenced += 1
        elif blob.stored_at >= stored_before:
            report.young += 1
        else:
            orphans.append(blob)
    if orphans and not references.consultation_events:
        raise NothingToFoldFrom(f"{english_count(len(orphans), 'old blob')} but no consultation "
                                "event in the log: is this the right log? nothing deleted")
    for blob in orphans:
        if await blobs.delete(blob.sha256, stored_before=stored_before):
            report.deleted += 1
            report.freed_bytes += blob.size
        else:  # stored again since the listing (a new upload of the same bytes)
            report.young += 1
    return report


async def prune_command(settings: Settings, older_than_h: float | None) -> int:
    hours = settings.blobs_prune_grace_h if older_than_h is None else older_than_h
    if hours < 1:
        print("blobs prune: --older-than must be at least 1 hour (uploads in flight)",
              file=sys.stderr)
        return 2
    container = bootstrap(settings, services=["consultation"], projects=False)
    async with running(container, workers=False):
        try:
            report = await prune_blobs(container.log, container.blobs,
                                       now=container.clock.now(),
                                       grace=timedelta(hours=hours))
        except NothingToFoldFrom as refused:
            print(f"blobs prune: {refused}", file=sys.stderr)
            return 1
    print(f"blobs prune: {english_count(report.deleted, 'blob')} deleted, "
          f"{english_count(report.freed_bytes, 'byte')} freed; "
          f"kept {report.referenced} named by a live document and {report.young} "
          f"stored less than {hours:g} h ago; {english_count(report.abandoned, 'partial upload')} "
          "left by an interrupted write deleted")
    return 0
