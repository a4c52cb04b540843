"""A consumer process that polls its group's records and dies by SIGKILL before
committing (run by tests/integration/test_kafka_reliability.py).

Usage: python kafka_crashing_consumer.py BOOTSTRAP GROUP TOPIC EVENT_ID...
Prints "polled" once it has every given event id in hand, then kills itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog


async def main(bootstrap: str, group: str, topic: str, want: set[str]) -> None:
    registry = SchemaRegistry()
    log = KafkaEventLog(bootstrap, registry.topics, registry.key, session_timeout_ms=3000,
                        heartbeat_interval_ms=500, rebalance_timeout_ms=1500)
    await log.start()
    sub = await log.subscribe(group, [topic])
    deadline = time.monotonic() + 30
    while want and time.monotonic() < deadline:
        batch = await sub.poll(max_records=100, timeout=1.0)
        want -= {r.event.event_id for r in batch.records}
    print("polled" if not want else "timeout", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # crash: no commit, no LeaveGroup


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4:])))
