"""The command bus as handlers' callers see it: hand a command and who sent it,
get the handler's answer. The embedded topology runs the handler in process;
what carries a command to its service is the runtime's business, not theirs."""

from __future__ import annotations

from typing import Any, Protocol

from services.core.events import Meta


class Bus(Protocol):
    async def handle(self, command: object, meta: Meta) -> Any:
        """Run `command`'s handler; raises its `DomainError` on refusal."""
