"""What an app built by the composition root carries for its routes: the bus,
the read store, the ports handlers are given, and the providers that turn a
request's session into who is acting. Routes reach it through `api_state`;
nothing else is read from `app.state`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from starlette.requests import Request

from services.core.bus import Bus
from services.core.contexts import AnalystContext, ModeratorContext, ParticipantContext
from services.store.port import ReadStore

T = TypeVar("T")
Provider = Callable[[Request], Awaitable[T]]


@dataclass
class Providers:
    """Installed by the identity wiring (it knows the session); an app without
    it (a service alone, a bench) knows nobody, and limits nothing."""

    participant: Provider[ParticipantContext] | None = None
    moderator: Provider[ModeratorContext] | None = None
    analyst: Provider[AnalystContext] | None = None
    # participant id -> département of their postcode ("" when none)
    territory: Callable[[str], Awaitable[str]] | None = None
    # the contribution rate limit: raises when over (429)
    limit_contribution: Provider[None] | None = None

    async def with_territory(self, who: ParticipantContext) -> ParticipantContext:
        """The participant with the département of their postcode, recorded with a
        questionnaire response for territory statistics (ADR 0025); unchanged when
        no identity service is installed (a service alone, tests)."""
        if self.territory is None:
            return who
        return replace(who, territory=str(await self.territory(who.participant_id)))


@dataclass
class ApiState:
    bus: Bus
    store: ReadStore
    # The ports handlers ask for by keyword (log, clock, search_index, ...).
    ports: Mapping[str, object] = field(default_factory=dict)
    providers: Providers = field(default_factory=Providers)

    def port(self, name: str, kind: type[T]) -> T | None:
        found = self.ports.get(name)
        return found if isinstance(found, kind) else None


STATE_ATTRIBUTE = "parlons"


def install_state(app: Any, state: ApiState) -> None:
    setattr(app.state, STATE_ATTRIBUTE, state)


def api_state(request: Request) -> ApiState:
    state: ApiState = getattr(request.app.state, STATE_ATTRIBUTE)
    return state
