"""What the services' JSON APIs depend on, and nothing of the services.

An app built by the composition root carries an `ApiState`: the bus, the read
store, the ports handlers are given, and the providers that turn a request's
session into who is acting (installed by the identity wiring of the web front
end). Routes reach it through the FastAPI dependencies below (`BusDep`,
`StoreDep`, `MetaDep`, `Participant`, `Moderator`, `Analyst`, `rate_limited`,
`IdempotencyKey`); nothing else is read from the app.

The dependencies are `async def` although most await nothing: FastAPI runs a
plain `def` dependency in a worker thread, two thread hops per request on the hot
write paths (ADR 0019).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, HTTPException, Request

from services.apikit.authz import Checks, authorizes, bearer_matches
from services.apikit.idempotency import KEY_MAX
from services.core.bus import Bus
from services.core.envelope import Actor
from services.core.events import Meta, correlation_id
from services.core.ids import new_id
from services.core.participants import AnalystContext, ModeratorContext, ParticipantContext
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
    # the platform admin's browser session, its CSRF token checked (True), else False
    platform_admin: Provider[bool] | None = None
    # (request, consultation id) -> does the session hold a team role on it (drafts)
    team_member: Callable[[Request, str], Awaitable[bool]] | None = None
    # the rate limit of an action (proposal, vote...): raises when over (429)
    limit: Callable[[Request, str], Awaitable[None]] | None = None

    async def check_limit(self, request: Request, action: str) -> None:
        """Counts `action` for this request; nothing without an identity service."""
        if self.limit is not None:
            await self.limit(request, action)

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
    # A machine client acting as the platform admin: `Authorization: Bearer` (ADR 0040).
    api_token: str = ""

    def port(self, name: str, kind: type[T]) -> T | None:
        found = self.ports.get(name)
        return found if isinstance(found, kind) else None


# On the app itself, not on `app.state`: Starlette's `State` keeps its values in a
# dict behind `__getattr__`, which Python calls only once the usual lookup has failed
# and formatted an AttributeError (~2 µs), three times a ballot (ADR 0114).
STATE_ATTRIBUTE = "parlons_api"


def install_state(app: Any, state: ApiState) -> None:
    setattr(app, STATE_ATTRIBUTE, state)


def api_state(request: Request) -> ApiState:
    state: ApiState = getattr(request.app, STATE_ATTRIBUTE)
    return state


# The envelope's actor of a JSON call: the handlers put the participant's own
# pseudonymous id on what they write, whoever the caller.
API_ACTOR = Actor(id="anonymous", role="anonymous")


async def get_state(request: Request) -> ApiState:
    return api_state(request)


async def get_bus(request: Request) -> Bus:
    return api_state(request).bus


async def get_store(request: Request) -> ReadStore:
    return api_state(request).store


async def request_meta() -> Meta:
    return Meta(actor=API_ACTOR, correlation_id=correlation_id() or new_id())


# (status, French message): a fresh exception each time (a raised instance keeps
# its traceback, so a shared one would grow with every raise)
NOBODY = (401, "Connectez-vous pour contribuer.")
NOT_MODERATOR = (403, "Réservé aux modérateurs de la consultation.")
NOT_ANALYST = (403, "Réservé aux analystes de la consultation.")
NOT_ADMIN = (403, "Réservé aux administrateurs de la plateforme.")


async def _provided(provider: Provider[T] | None, request: Request,
                    refusal: tuple[int, str], kind: type[T]) -> T:
    """Who the provider says is acting; without a provider (no identity service
    in this app), or when it names nobody, `refusal`."""
    who = await provider(request) if provider is not None else None
    if not isinstance(who, kind):
        raise HTTPException(*refusal)
    return who


# The session providers check the CSRF token of every state change (ADR 0013).
@authorizes(Checks.ROLE, Checks.CSRF)
async def participant_context(request: Request) -> ParticipantContext:
    """The session's participant; nobody without a session (401)."""
    provide = api_state(request).providers.participant
    return await _provided(provide, request, NOBODY, ParticipantContext)


@authorizes(Checks.ROLE, Checks.CSRF)
async def moderator_context(request: Request) -> ModeratorContext:
    provide = api_state(request).providers.moderator
    return await _provided(provide, request, NOT_MODERATOR, ModeratorContext)


@authorizes(Checks.ROLE, Checks.CSRF)
async def analyst_context(request: Request) -> AnalystContext:
    provide = api_state(request).providers.analyst
    return await _provided(provide, request, NOT_ANALYST, AnalystContext)


async def is_platform_admin(request: Request) -> bool:
    """A machine client with the API token, or the admin's browser session (with
    its CSRF token on a state change)."""
    state = api_state(request)
    if bearer_matches(request.headers.get("authorization", ""), state.api_token):
        return True
    provide = state.providers.platform_admin
    return provide is not None and await provide(request)


async def on_team_of(request: Request, consultation_id: str) -> bool:
    """May this caller see `consultation_id` unpublished: the platform admin, or a
    session holding a team role on it (organiser, moderator, analyst, admin)."""
    if await is_platform_admin(request):
        return True
    member = api_state(request).providers.team_member
    return member is not None and await member(request, consultation_id)


@authorizes(Checks.ROLE, Checks.CSRF, Checks.TOKEN)
async def platform_admin(request: Request) -> None:
    """Anybody but the platform admin: 403 (ADR 0040)."""
    if not await is_platform_admin(request):
        raise HTTPException(*NOT_ADMIN)



async def limit_action(request: Request, action: str) -> None:
    """Counts the request as one `action`, per identity and per client; raises
    the identity service's `RateLimited` (429 + Retry-After) beyond the limit
    (ADR 0013, ADR 0045)."""
    await api_state(request).providers.check_limit(request, action)


def rate_limited(action: str) -> Any:
    """The route dependency: `dependencies=[rate_limited("comment")]`. Each
    action counts on its own budget: ten votes never spend a login."""
    async def limit(request: Request) -> None:
        await limit_action(request, action)
    return Depends(limit)


async def with_territory(request: Request, who: ParticipantContext) -> ParticipantContext:
    return await api_state(request).providers.with_territory(who)


BusDep = Annotated[Bus, Depends(get_bus)]
StoreDep = Annotated[ReadStore, Depends(get_store)]
StateDep = Annotated[ApiState, Depends(get_state)]
MetaDep = Annotated[Meta, Depends(request_meta)]
Participant = Annotated[ParticipantContext, Depends(participant_context)]
Moderator = Annotated[ModeratorContext, Depends(moderator_context)]
Analyst = Annotated[AnalystContext, Depends(analyst_context)]
# What API clients read in the documentation: a UUIDv7 key gives the new
# contribution's id its time, so ids sort by creation and a submission's rows are
# written beside the previous ones rather than scattered (ADR 0102).
KEY_ADVICE = ("One key per request, sent again unchanged on a retry (the first answer is "
              "replayed). Prefer a UUIDv7 (RFC 9562): a contribution created under it gets "
              "an id that keeps its time, so ids sort by creation and are written for less.")
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1,
                                        max_length=KEY_MAX, description=KEY_ADVICE)]
OptionalIdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                    max_length=KEY_MAX, description=KEY_ADVICE)]
PlatformAdmin = Depends(platform_admin)
