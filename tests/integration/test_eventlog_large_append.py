"""A large atomic append to the SQLite log (a Pol.is conversation's votes, one
event each, in one batch) holds one statement's encoded bodies at a time beside its
events, not every body of the append: an import of a million votes stayed under
the jobs' memory that way."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from harness.events import consultation_created

from services.eventlog.sqlite import SqliteEventLog

EVENTS = 20_000
# Bytes an appended event may add while the append runs: its record in the answer
# and a statement's share, ~270 in all; 894 when every body was encoded first.
ADDED_PER_EVENT = 500

pytestmark = pytest.mark.asyncio


async def test_a_large_append_encodes_a_statement_at_a_time(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "events.db")
    await log.start()
    try:
        events = [consultation_created(f"consultation-{n}") for n in range(EVENTS)]
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            recorded = await log.append(events)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(recorded) == EVENTS
        assert [r.event.event_id for r in recorded] == [e.event_id for e in events]
        assert [r.offset for r in recorded] == list(range(recorded[0].offset,
                                                          recorded[0].offset + EVENTS))
        assert len(await log.read("consultation.events", limit=EVENTS + 1)) == EVENTS
        added = (peak - before) / EVENTS
        assert added < ADDED_PER_EVENT, f"{added:.0f} bytes an event"
    finally:
        await log.close()
