"""A fake command receiver for `CommandServer.serve` (services/runtime/command_routing.py):
it hands the given batches of encoded commands, one per poll, then stops the server."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from services.runtime.command_routing import CommandServer


@dataclasses.dataclass
class Received:
    """One command record as the receiver hands it."""
    partition: int
    offset: int
    body: dict[str, Any]
    expired: bool = False


class Batches:
    def __init__(self, server: CommandServer, *batches: dict[int, list[Received]]) -> None:
        self.batches: list[dict[int, list[Received]]] = [*batches, {}]
        self.server = server

    def owns(self, partition: int) -> bool:
        return True

    async def poll(self, timeout_ms: int = 200) -> Mapping[int, list[Received]]:
        if len(self.batches) == 1:
            self.server.stop()
        return self.batches.pop(0)

    async def reply(self, command: Any, outcome: Mapping[str, Any]) -> None:
        pass

    async def commit(self, partition: int, next_offset: int) -> None:
        pass
