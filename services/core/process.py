"""Process managers: consumers of the log that act -- append events (automatic
moderation's checks) or start work (a theme run) -- rather than keep a read
model. The worker hands one the batch it polled and commits the checkpoint only
after `handle` returns, so a crash means redelivery: a process manager must be
idempotent by the log's keys (a stable event id, an expected stream version),
not by a read-model guard. Failures are retried and dead-lettered like a
projection's."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from services.core.envelope import Envelope


class ProcessManager(ABC):
    name: ClassVar[str]  # also the consumer group id
    topics: ClassVar[tuple[str, ...]]

    @abstractmethod
    async def handle(self, events: Sequence[Envelope]) -> None:
        """React to one polled batch (events already upcast), in log order."""
