"""Load for tests/integration/test_sqlite_crash.py, run in a subprocess.

Appends to a SQLite event log from many coroutines forever and prints the id of
every event whose append returned (so only acknowledged ids), one per line,
flushed at once. The test kills this process with SIGKILL mid-load.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime

from services.core.envelope import Actor, Envelope
from services.eventlog.sqlite import SqliteEventLog

WRITERS = 64


def created(stream: str, version: int) -> Envelope:
    return Envelope(
        type="consultation.ConsultationCreated",
        schema_version=1,
        stream=stream,
        stream_version=version,
        data={"consultation_id": stream, "title": f"Consultation {version}",
              "slug": f"c-{version}", "summary": "Charge avant un arrêt brutal."},
        actor=Actor("p-load", "organiser"),
        occurred_at=datetime.now(UTC),
        correlation_id=uuid.uuid4().hex,
    )


async def writer(log: SqliteEventLog, n: int) -> None:
    while True:
        # a stream grown batch by batch under optimistic concurrency
        stream = f"crash-{n}-{uuid.uuid4().hex}"
        for version in range(1, 9, 2):
            batch = [created(stream, version), created(stream, version + 1)]
            await log.append(batch, expect={stream: version - 1})
            sys.stdout.write("".join(f"{e.event_id}\n" for e in batch))
            sys.stdout.flush()


async def main(path: str) -> None:
    log = SqliteEventLog(path)
    await log.start()
    await asyncio.gather(*(writer(log, n) for n in range(WRITERS)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
