"""A synthesis edit decides on its run's (or response's) read model, but only once
that read model has applied the stream as the log holds it now (ADR 0033).

A run's state is large (every member of every theme, 1,000,000 contributions in a
national consultation): folding its stream for each rename would read all of it.
Its own projection is a fold of that stream; waiting until it has applied the
log's version makes it equal to the fold, and the append then expects that
version. So an edit sent right after another is decided on the state the first
one left, never refused as "stale" because a page or a worker was behind."""

from __future__ import annotations

from services.core.errors import DomainError
from services.eventlog.port import EventLog
from services.store.port import ReadStore
from services.store.projection import until_applied

CATCH_UP_S = 5.0
BUSY = "La synthèse est en cours de mise à jour : réessayez dans un instant."


async def at_log_version(log: EventLog, store: ReadStore, projection: str, stream: str,
                         *, timeout_s: float | None = None) -> int:
    """The stream's version in the log, once `projection` has applied it; a French
    "try again" refusal if the projection is not there within the bound."""
    version = await log.stream_version(stream)
    bound = CATCH_UP_S if timeout_s is None else timeout_s
    if not await until_applied(store, projection, stream, version, timeout_s=bound):
        raise DomainError("busy", BUSY)
    return version
