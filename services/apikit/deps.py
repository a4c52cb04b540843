"""FastAPI dependencies of the services' JSON APIs: the bus, the store, the
command's `Meta`, who is acting (from the providers the identity wiring
installs), the contribution rate limit and the `Idempotency-Key` header.

`async def` although most await nothing: FastAPI runs a plain `def` dependency
in a worker thread, two thread hops per request on the hot write paths (ADR 0019).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from services.apikit.idempotency import KEY_MAX
from services.apikit.state import ApiState, Provider, api_state
from services.core.bus import Bus
from services.core.context import correlation_id
from services.core.contexts import AnalystContext, ModeratorContext, ParticipantContext
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.ids import new_id
from services.store.port import ReadStore

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


async def _provided(request: Request, provider: Provider[Any] | None, refusal: HTTPException,
                    kind: type) -> Any:
    """Who the provider says is acting; without a provider, or when it names
    nobody, `refusal`."""
    who = await provider(request) if provider is not None else None
    if not isinstance(who, kind):
        raise refusal
    return who


async def participant_context(request: Request) -> ParticipantContext:
    """The session's participant; nobody without a session (401)."""
    provide = api_state(request).providers.participant
    who: ParticipantContext = await _provided(
        request, provide, HTTPException(401, "Connectez-vous pour contribuer."),
        ParticipantContext)
    return who


async def moderator_context(request: Request) -> ModeratorContext:
    provide = api_state(request).providers.moderator
    who: ModeratorContext = await _provided(
        request, provide, HTTPException(403, "Réservé aux modérateurs de la consultation."),
        ModeratorContext)
    return who


async def analyst_context(request: Request) -> AnalystContext:
    provide = api_state(request).providers.analyst
    who: AnalystContext = await _provided(
        request, provide, HTTPException(403, "Réservé aux analystes de la consultation."),
        AnalystContext)
    return who


async def limit_contribution(request: Request) -> None:
    """Counts the request per identity and per client; raises the identity
    service's `RateLimited` (429 + Retry-After) beyond the limit (ADR 0013)."""
    limit = api_state(request).providers.limit_contribution
    if limit is not None:
        await limit(request)


async def with_territory(request: Request, who: ParticipantContext) -> ParticipantContext:
    return await api_state(request).providers.with_territory(who)


BusDep = Annotated[Bus, Depends(get_bus)]
StoreDep = Annotated[ReadStore, Depends(get_store)]
StateDep = Annotated[ApiState, Depends(get_state)]
MetaDep = Annotated[Meta, Depends(request_meta)]
Participant = Annotated[ParticipantContext, Depends(participant_context)]
Moderator = Annotated[ModeratorContext, Depends(moderator_context)]
Analyst = Annotated[AnalystContext, Depends(analyst_context)]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1,
                                        max_length=KEY_MAX)]
RateLimited = Depends(limit_contribution)
