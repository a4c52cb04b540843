"""What each business service contributes to a process: its projections, its
process managers, its command handlers, the ports of its own its handlers ask
for, and its JSON router (with any hot route of its own). `SERVICES` lists them;
a process hosts some or all (`parlons serve --service`, `parlons worker`).

Each entry imports its service lazily, so a process loads only what it hosts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.core.clock import Clock
from services.core.process import ProcessManager
from services.runtime import adapters
from services.runtime.settings import Settings
from services.store.projection import Projection

if TYPE_CHECKING:
    from fastapi import APIRouter
    from starlette.routing import BaseRoute

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    projections: Sequence[Callable[..., Projection]] = ()
    processes: Sequence[Callable[..., ProcessManager]] = ()
    handlers: Mapping[type, Handler] = field(default_factory=dict)
    # Ports of its own that its handlers ask for by keyword (the identity vault...).
    ports: Callable[[Settings, Clock], Mapping[str, object]] | None = None
    router: APIRouter | None = None
    # Routes found before every router (a lean hot path: casting a ballot, ADR 0019).
    hot_routes: Sequence[BaseRoute] = ()
    # The commands a distributed front sends to this service's replicas (ADR 0035,
    # 0038), each with its partition key: the key of the events its handler writes.
    routed: Mapping[type, Callable[[Any], str]] = field(default_factory=dict)
    # For a routed command whose handler reads streams that other writers append
    # (the proposal an argument answers, written by another deposit replica): the
    # event topics its replica reads up to their end before a batch holding it.
    routed_reads: Mapping[type, tuple[str, ...]] = field(default_factory=dict)
    # For a routed command its front does not wait for to the end (a Pol.is import,
    # answered « L'import continue »): the seconds after it was sent within which a
    # replica still starts it. Any other is dropped once its front stopped waiting
    # (it answered 504): sent at a replica's restart, an import was lost (ADR 0129).
    routed_start_within: Mapping[type, float] = field(default_factory=dict)
    # The event topic its handlers write, when not `<name>.events` (the two
    # deployable parts of synthesis both write synthesis.events); its routed commands
    # travel on `<name>.commands`, co-partitioned with it.
    events_topic: str = ""


def _consultation() -> ServiceSpec:
    from services.consultation import api, service

    return ServiceSpec(name="consultation", projections=service.PROJECTIONS,
                       processes=service.PROCESSES, handlers=service.HANDLERS,
                       router=api.router, routed=service.ROUTED,
                       routed_reads=service.ROUTED_READS)


def _identity() -> ServiceSpec:
    from services.identity import service

    def ports(settings: Settings, clock: Clock) -> Mapping[str, object]:
        from services.consultation.queries import meeting_registrations_of
        from services.deposit.queries import contributions_by
        from services.synthesis.queries import notices_of
        from services.vote.queries import ballots_by

        identity = adapters.identity_ports(settings, clock)
        # The personal-data export lists what each service holds of the person.
        identity.export_sources.update(contributions=contributions_by, votes=ballots_by,
                                       rencontres=meeting_registrations_of,
                                       notifications=notices_of)
        return identity.as_deps()

    return ServiceSpec(name="identity", projections=service.PROJECTIONS,
                       handlers=service.HANDLERS, ports=ports, routed=service.ROUTED)


def _deposit() -> ServiceSpec:
    from services.deposit import api, api_submit, service

    return ServiceSpec(name="deposit", projections=service.PROJECTIONS,
                       handlers=service.HANDLERS, router=api.router, routed=service.ROUTED,
                       routed_reads=service.ROUTED_READS,
                       hot_routes=(api_submit.LeanProposalRoute(),))


def _moderation() -> ServiceSpec:
    from services.moderation import api, service

    return ServiceSpec(name="moderation", projections=service.PROJECTIONS,
                       processes=service.PROCESSES, handlers=service.HANDLERS,
                       router=api.router, routed=service.ROUTED,
                       routed_reads=service.ROUTED_READS)


def _vote() -> ServiceSpec:
    from services.vote import api, api_cast, service

    return ServiceSpec(name="vote", projections=service.PROJECTIONS, handlers=service.HANDLERS,
                       ports=service.ports, router=api.router,
                       hot_routes=(api_cast.LeanBallotRoute(),), routed=service.ROUTED,
                       routed_reads=service.ROUTED_READS)


def _search() -> ServiceSpec:
    from services.search import api, service

    def ports(settings: Settings, clock: Clock) -> Mapping[str, object]:
        return {"search_index": adapters.search_index(settings)}

    return ServiceSpec(name="search", projections=service.PROJECTIONS, router=api.router,
                       handlers=service.HANDLERS, ports=ports, routed=service.ROUTED)


def _synthesis_stats() -> ServiceSpec:
    from services.synthesis import service
    from services.synthesis.stats import api

    return ServiceSpec(name="synthesis_stats", projections=service.STATS_PROJECTIONS,
                       handlers=service.STATS_HANDLERS, router=api.router,
                       events_topic="synthesis.events", routed=service.STATS_ROUTED)


def _synthesis_themes() -> ServiceSpec:
    from services.synthesis import service

    return ServiceSpec(name="synthesis_themes", projections=service.THEMES_PROJECTIONS,
                       processes=service.THEMES_PROCESSES, handlers=service.THEMES_HANDLERS,
                       events_topic="synthesis.events", routed=service.THEMES_ROUTED,
                       routed_reads=service.THEMES_ROUTED_READS,
                       routed_start_within=service.THEMES_ROUTED_START_WITHIN)


SERVICES: dict[str, Callable[[], ServiceSpec]] = {
    "consultation": _consultation,
    "identity": _identity,
    "deposit": _deposit,
    "moderation": _moderation,
    "vote": _vote,
    "search": _search,
    "synthesis_stats": _synthesis_stats,  # closed questions, open data
    "synthesis_themes": _synthesis_themes,  # theme runs, validation, follow-up
}
