"""A process decides nothing before its event log is prepared to decide, and says it
is not ready until then (ADR 0123). A service replica joins its command group only
once prepared: one that joined first kept the commands of the partitions it was
given waiting while its Kafka writer index read the whole log (a minute at five
million events), and the fronts answered 504. A front prepares from its start:
its first registration waited for that read, and every registration behind it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from services.eventlog.memory import MemoryEventLog
from services.runtime import adapters
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.command_processes import prepared_to_decide, service_commands
from services.runtime.probes import readiness_response
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore


class SlowToPrepare(MemoryEventLog):
    """A log whose preparation lasts until the test lets it end."""

    def __init__(self) -> None:
        super().__init__()
        self.prepared = asyncio.Event()
        self.may_end = asyncio.Event()

    async def prepare_to_decide(self) -> None:
        await self.may_end.wait()
        self.prepared.set()


class Receiver:
    """The command group's member, as far as the replica's loop uses it."""

    def __init__(self, log: SlowToPrepare, on_assigned: Any = None) -> None:
        self.log = log
        self.on_assigned = on_assigned  # the group calls it once it has assigned
        self.started_prepared: bool | None = None
        self.joined = asyncio.Event()

    async def start(self) -> None:
        self.started_prepared = self.log.prepared.is_set()
        self.joined.set()

    async def poll(self, timeout_ms: int = 200) -> Mapping[int, list[Any]]:
        await asyncio.sleep(timeout_ms / 1000)
        return {}

    def owns(self, partition: int) -> bool:
        return True

    async def close(self) -> None:
        pass


async def test_a_replica_joins_its_command_group_once_its_log_is_prepared(
        monkeypatch: pytest.MonkeyPatch) -> None:
    log = SlowToPrepare()
    receivers: list[Receiver] = []

    def receiver(*_: object, on_assigned: Any = None, **__: object) -> Receiver:
        receivers.append(Receiver(log, on_assigned))
        return receivers[-1]

    monkeypatch.setattr(adapters, "command_receiver", receiver)
    container = bootstrap(Settings(event_log="memory", read_store="memory",
                                   command_bus="kafka"),
                          log=log, store=MemoryReadStore(), services=["vote"])
    async with service_commands(container, "vote"):
        await asyncio.sleep(0.05)
        assert not any(r.joined.is_set() for r in receivers)
        answer = await readiness_response(container, workers=True)
        assert answer.status_code == 503
        assert b'"commands"' in answer.body
        log.may_end.set()
        await asyncio.wait_for(receivers[0].joined.wait(), 5)
        assert receivers[0].started_prepared is True
        # subscribed, not yet given partitions (a restarted replica waits for its
        # dead self's session to end): not ready, or the fronts' commands wait
        answer = await readiness_response(container, workers=True)
        assert answer.status_code == 503 and b'"commands"' in answer.body
        await receivers[0].on_assigned({0, 1})
        assert (await readiness_response(container, workers=True)).status_code == 200


async def test_a_front_is_ready_once_its_log_is_prepared_to_decide() -> None:
    log = SlowToPrepare()
    container = bootstrap(Settings(event_log="memory", read_store="memory"),
                          log=log, store=MemoryReadStore())
    async with prepared_to_decide(container):
        await asyncio.sleep(0.05)
        answer = await readiness_response(container)
        assert answer.status_code == 503
        assert b'"decisions"' in answer.body
        assert starting(container, "decisions") == 1  # what the scrape and the alert see
        log.may_end.set()
        await asyncio.wait_for(log.prepared.wait(), 5)
        await asyncio.sleep(0)
        assert (await readiness_response(container)).status_code == 200
        assert starting(container, "decisions") == 0


def starting(container: Container, part: str) -> float | None:
    return container.metrics.registry.get_sample_value("parlons_starting", {"part": part})
