"""What every identity flow does: run an identity command as someone, sign a
participant in, and count attempts. No web here: the front end keeps forms,
cookies and redirects, and hands the flows plain values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from services.core.bus import Bus
from services.core.envelope import Actor
from services.core.events import Meta, correlation_id
from services.core.ids import new_id
from services.core.participants import at_least
from services.identity.commands import RaiseIdentityLevel, RecordSignIn
from services.identity.queries import identity_level
from services.identity.ratelimit import Limits
from services.identity.service import IdentityPorts
from services.store.port import ReadStore

# Waits until the read models have applied what was just written.
Settle = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A participant who just proved who they are: what their session records."""

    participant_id: str
    level: str  # email | verified


class Acting:
    def __init__(self, ports: IdentityPorts, bus: Bus, store: ReadStore,
                 settle: Settle) -> None:
        self.ports, self.bus, self.store, self.settle = ports, bus, store, settle
        self.limits = Limits(ports.limiter, ports.settings)

    async def run(self, command: object, *, actor_id: str, role: str = "participant") -> Any:
        """Hand `command` to the bus as `actor_id`; raises its DomainError."""
        meta = Meta(actor=Actor(id=actor_id, role=role),
                    correlation_id=correlation_id() or new_id())
        return await self.bus.handle(command, meta)

    async def sign_in(self, participant_id: str, level: str, method: str) -> SignedIn:
        """Raise the level this proof gives (never lowers it) and record the login
        (inactive-account retention counts from it); the session carries the level
        reached: a verified participant who comes back by e-mail stays verified."""
        await self.run(RaiseIdentityLevel(participant_id, level, method), actor_id=participant_id)
        await self.run(RecordSignIn(participant_id, method), actor_id=participant_id)
        await self.settle()
        current = await identity_level(self.store, participant_id)
        return SignedIn(participant_id, current if at_least(current, level) else level)
