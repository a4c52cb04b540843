"""The committed offsets of a consumer group, every partition in one request.

aiokafka's `AIOKafkaConsumer.committed(tp)` asks the group's coordinator for one
partition per request. A subscription's lag (read once a second by an idle
worker, after every poll by a worker behind; ADR 0087) asked it for each
partition of its topics in turn: 18 round trips for a worker reading
`deposit.events` and `moderation.events`, 8 ms on loopback. One OffsetFetch
request carries them all (ADR 0036).

The coordinator of each group is remembered; an answer refused (the coordinator
moved, or is loading the group) makes the next call ask for it again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from services.eventlog.kafka_security import KafkaSecurity

_STOP_S = 3.0


class GroupOffsets:
    def __init__(self, bootstrap: str, *, client_id: str, timeout_s: float,
                 security: KafkaSecurity | None = None) -> None:
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, client_id=f"{client_id}-offsets",
            request_timeout_ms=int(timeout_s * 1000),
            **(security or KafkaSecurity()).client_options())
        self._timeout_s = timeout_s
        self._coordinators: dict[str, int] = {}
        self._starting = asyncio.Lock()
        self._started = False

    async def committed(self, group: str, tps: Sequence[TopicPartition]
                        ) -> dict[TopicPartition, int | None]:
        """Each partition's committed offset for `group`; None where it has none.
        Raises aiokafka's `KafkaError` (or `TimeoutError`) as `committed` does."""
        if not tps:
            return {}
        async with self._starting:
            if not self._started:  # a failed start is tried again at the next call
                await asyncio.wait_for(self._admin.start(), self._timeout_s)
                self._started = True
        coordinator = self._coordinators.get(group)
        try:
            if coordinator is None:
                coordinator = await self._admin.find_coordinator(group)
                self._coordinators[group] = coordinator
            found = await self._admin.list_consumer_group_offsets(
                group, coordinator, partitions=list(tps))
            if missing := [tp for tp in tps if tp not in found]:
                # Every partition asked for is answered, -1 when it has no offset;
                # none at all is an error of the whole request (not the group's
                # coordinator, loading it), which aiokafka's admin client does
                # not raise: the offsets are unknown, not absent.
                raise KafkaError(f"no committed offset answered for {group}: {missing[:3]}")
        except KafkaError:
            self._coordinators.pop(group, None)
            raise
        return {tp: found[tp].offset if found[tp].offset >= 0 else None for tp in tps}

    async def behind(self, group: str, ends: Mapping[TopicPartition, int]) -> int:
        """The records below `ends` (each partition's offset) that `group` has not
        committed: a subscription's lag against the log's ends, or what a
        read-your-writes wait waits on against the ends it began with."""
        committed = await self.committed(group, list(ends))
        return sum(max(0, end - (committed[tp] or 0)) for tp, end in ends.items())

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._admin.close(), _STOP_S)
