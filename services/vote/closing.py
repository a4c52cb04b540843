"""Results frozen at phase close: every vote phase whose end has passed gets its
results frozen once (`FreezeResults`: recounted from the log, one event per phase
by its stream key, so a second freeze, from another process or a later pass, is
a no-op). `parlons freeze-results` runs one pass (cron, Kubernetes CronJob);
`parlons serve` runs one every `PARLONS_VOTE_CLOSE_EVERY_S` (60 s) in the embedded
topology, so a platform started by one command freezes its results without a
scheduler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from services.consultation.queries import CONSULTATIONS
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.values import parse_iso
from services.store.port import ReadStore
from services.vote import model
from services.vote.commands import FreezeResults
from services.vote.projections import FROZEN

log = logging.getLogger("parlons.vote.closing")

ALL = "all"
PAGE = 200
CLOSER = Actor(id="vote-closing", role="system")
# A ballot accepted just before the end may still be on its way to the log; the
# recount must not run before it lands (it would be acknowledged yet not counted).
# The default of PARLONS_VOTE_FREEZE_GRACE_S.
GRACE = timedelta(minutes=2)

Handle = Callable[[object, Meta], Awaitable[Any]]


async def ended_phases(store: ReadStore, now: datetime, grace: timedelta = GRACE
                       ) -> list[tuple[str, str]]:
    """(consultation, phase) of every vote phase ended at least `grace` before `now`
    whose frozen results are not in the read model yet."""
    found: list[tuple[str, str]] = []
    after: str | None = None
    while True:
        rows = await store.list(CONSULTATIONS, ALL, limit=PAGE, after=after)
        for cid, doc in rows:
            for phase in doc.get("phases") or []:
                if (model.PHASE_ACTIONS & set(phase.get("actions") or ())
                        and parse_iso(phase["ends_at"]) + grace <= now
                        and await store.get(FROZEN, cid, phase["phase_id"]) is None):
                    found.append((cid, phase["phase_id"]))
        if len(rows) < PAGE:
            return found
        after = rows[-1][0]


async def freeze_ended_phases(store: ReadStore, handle: Handle, now: datetime,
                              grace: timedelta = GRACE) -> list[str]:
    """One pass: freeze what has ended. Returns "<consultation>/<phase>: <status>"
    for each phase it tried ("frozen", "already_frozen", or the refusal)."""
    outcomes: list[str] = []
    for cid, phase_id in await ended_phases(store, now, grace):
        try:
            result = await handle(FreezeResults(cid, phase_id), Meta(CLOSER))
            status = str(result.get("status"))
        except Exception as error:  # one phase's failure must not stop the others
            log.warning("results not frozen", extra={"consultation": cid, "phase": phase_id,
                                                     "error": type(error).__name__})
            status = f"failed ({type(error).__name__})"
        outcomes.append(f"{cid}/{phase_id}: {status}")
    return outcomes


async def keep_closing(store: ReadStore, handle: Handle, now: Callable[[], datetime],
                       every_s: float, caught_up: Callable[[], Awaitable[None]],
                       grace: timedelta = GRACE) -> None:
    """Freeze ended phases every `every_s` until cancelled. Each pass first waits
    (bounded, by `caught_up`) for the projections: a phase in the log but not yet
    in the consultation read model would otherwise wait for the next pass."""
    while True:
        try:
            await caught_up()
            await freeze_ended_phases(store, handle, now(), grace)
        except Exception:  # the read store unavailable: the next pass retries
            log.exception("closing pass failed")
        await asyncio.sleep(every_s)
