"""The opinion groups an analyst's page shows, computed once per change of the
opinions and shared by every view of this process (ADR 0039).

Computing the groups reads every event of the opinions' two topics and runs the
analysis: a fraction of a second for a small consultation, tens of seconds for a
national one (ADR 0064: 33,000 participants, 2 million votes). The page computed
them on every view, so each reload, and each analyst opening it, cost that again.

- A computation is kept with where the topics ended when it began; a view while
  they still end there shows it as it is.
- The opinions moved since: a computation that took less than QUICK_S is made
  again at once, and the view waits for it (a small consultation is always shown
  up to date). A longer one is shown as it is, saying when it was computed, while
  the next one runs in the background, at most once every REFRESH_GAP_S (or twice
  its own length), so a live vote with analysts reloading does not keep a core
  busy with it.
- Concurrent views of one consultation wait for one computation, not one each.

Each front process keeps its own (`serve --workers N`: at most N computations of
one change); at most ENTRIES consultations, the least recently shown dropped.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

QUICK_S = 1.0  # a computation this quick is redone whenever the opinions moved
REFRESH_GAP_S = 30.0  # at least this long between two background computations
ENTRIES = 16  # consultations kept

Marker = tuple[Any, ...]  # where the opinions' topics ended: equal means nothing new
Compute = Callable[[str], Awaitable[dict[str, Any]]]

log = logging.getLogger("parlons.web.opinion_groups")


@dataclass(frozen=True, slots=True)
class Computed:
    """One computation: what the page shows (`content`), where the topics ended
    when it began, when it was made (wall clock, for the page) and how long it took."""

    content: dict[str, Any]
    marker: Marker
    computed_at: datetime
    seconds: float
    finished: float  # monotonic


@dataclass(frozen=True, slots=True)
class Shown:
    """What a view gets: the computation, whether the opinions have moved since
    (`behind`), and then whether a newer computation is running (`refreshing`)
    or in how many seconds one may start (`next_in`)."""

    computed: Computed
    behind: bool = False
    refreshing: bool = False
    next_in: int = 0  # seconds before a view may start the next computation


class GroupsCache:
    def __init__(self, compute: Compute, marker: Callable[[], Awaitable[Marker]],
                 now: Callable[[], datetime], *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._compute, self._marker, self._now, self._monotonic = (
            compute, marker, now, monotonic)
        self._kept: OrderedDict[str, Computed] = OrderedDict()
        self._running: dict[str, asyncio.Task[Computed]] = {}

    async def shown(self, consultation_id: str) -> Shown:
        marker = await self._marker()
        kept = self._kept.get(consultation_id)
        if kept is not None:
            self._kept.move_to_end(consultation_id)
            if kept.marker == marker:
                return Shown(kept)
            if kept.seconds >= QUICK_S:
                return self._refreshed(consultation_id, marker, kept)
        return Shown(await asyncio.shield(self._computation(consultation_id, marker)))

    def _refreshed(self, consultation_id: str, marker: Marker, kept: Computed) -> Shown:
        """The kept computation, behind the opinions; a background computation
        started when none runs and the last one is old enough."""
        if consultation_id not in self._running:
            wait = max(REFRESH_GAP_S, 2 * kept.seconds) - (self._monotonic() - kept.finished)
            if wait > 0:
                return Shown(kept, behind=True, next_in=math.ceil(wait))
            self._computation(consultation_id, marker).add_done_callback(_logged)
        return Shown(kept, behind=True, refreshing=True)

    def _computation(self, consultation_id: str, marker: Marker) -> asyncio.Task[Computed]:
        """The computation running for the consultation, or a new one."""
        running = self._running.get(consultation_id)
        if running is not None:
            return running
        task = asyncio.get_running_loop().create_task(self._compute_and_keep(
            consultation_id, marker))
        self._running[consultation_id] = task
        task.add_done_callback(lambda _: self._running.pop(consultation_id, None))
        return task

    async def _compute_and_keep(self, consultation_id: str, marker: Marker) -> Computed:
        computed_at, began = self._now(), self._monotonic()
        content = await self._compute(consultation_id)
        finished = self._monotonic()
        computed = Computed(content, marker, computed_at, finished - began, finished)
        self._kept[consultation_id] = computed
        self._kept.move_to_end(consultation_id)
        while len(self._kept) > ENTRIES:
            self._kept.popitem(last=False)
        return computed


def _logged(task: asyncio.Task[Computed]) -> None:
    """A background computation that failed: the page keeps showing the last one."""
    if not task.cancelled() and task.exception() is not None:
        log.error("opinion groups: background computation failed",
                  exc_info=task.exception())
