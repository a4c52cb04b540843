"""A computation many requests need, made once per change of what it reads and
shared by them (ADR 0039), for what is too costly to make per request: the
analysts' opinion groups (seconds), a vote consultation's published items (the
whole partition, on every participant's vote page).

- A result is kept with a marker of what it read (the log's ends, the store's
  version, a count of the key's own changes) taken before it began; a request
  while the marker is unchanged gets it.
- The marker moved: a computation that took under `quick_s`, or whose result is
  `small`, is made again and the request waits for it (a small case always answers
  up to date; `small` says so whatever a loaded machine made its time). A longer one is
  answered as it is, said to be behind, while the next one runs in the background,
  at most once every `gap_s` (or `factor` times its own length), so a steady
  stream of changes and requests does not keep a core busy with it.
- Concurrent requests for one key wait for one computation, not one each; a
  background computation that fails is logged and the last result stays.

One per process; at most `entries` keys, the least recently asked dropped.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

V = TypeVar("V")
Marker = Any  # compared with ==; None means "cannot tell": always moved

log = logging.getLogger("parlons.shared_computation")


@dataclass(frozen=True, slots=True)
class Policy:
    quick_s: float  # a computation this quick is redone whenever the marker moved
    gap_s: float  # at least this long between two background computations of a key
    factor: float = 2.0  # ... and at least this many times the last one's length
    entries: int = 16  # keys kept


@dataclass(frozen=True, slots=True)
class Kept(Generic[V]):
    """One computation: its result, the marker taken before it began, when it
    was made (wall clock, for people) and how long it took."""

    value: V
    marker: Marker
    computed_at: datetime
    seconds: float
    finished: float  # monotonic


@dataclass(frozen=True, slots=True)
class Shown(Generic[V]):
    """What a request gets: the computation, whether the marker has moved since
    (`behind`), and then whether a newer computation is running (`refreshing`)
    or in how many seconds a request may start one (`next_in`)."""

    kept: Kept[V]
    behind: bool = False
    refreshing: bool = False
    next_in: int = 0


class SharedComputations(Generic[V]):
    def __init__(self, name: str, compute: Callable[[str], Awaitable[V]],
                 marker: Callable[[str], Awaitable[Marker]], policy: Policy, *,
                 small: Callable[[V], bool] = lambda _: False,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._compute, self._marker, self._policy = compute, marker, policy
        self._small = small
        self._now, self._monotonic = now, monotonic
        self._kept: OrderedDict[str, Kept[V]] = OrderedDict()
        self._running: dict[str, asyncio.Task[Kept[V]]] = {}

    async def shown(self, key: str) -> Shown[V]:
        marker = await self._marker(key)
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            if marker is not None and kept.marker == marker:
                return Shown(kept)
            if kept.seconds >= self._policy.quick_s and not self._small(kept.value):
                return self._refreshed(key, marker, kept)
        return Shown(await asyncio.shield(self._computation(key, marker)))

    async def value(self, key: str) -> V:
        return (await self.shown(key)).kept.value

    def _refreshed(self, key: str, marker: Marker, kept: Kept[V]) -> Shown[V]:
        """The kept computation, behind the marker; a background computation
        started when none runs and the last one is old enough."""
        if key not in self._running:
            gap = max(self._policy.gap_s, self._policy.factor * kept.seconds)
            wait = gap - (self._monotonic() - kept.finished)
            if wait > 0:
                return Shown(kept, behind=True, next_in=math.ceil(wait))
            self._computation(key, marker).add_done_callback(self._logged)
        return Shown(kept, behind=True, refreshing=True)

    def _computation(self, key: str, marker: Marker) -> asyncio.Task[Kept[V]]:
        """The computation running for the key, or a new one."""
        running = self._running.get(key)
        if running is not None:
            return running
        task = asyncio.get_running_loop().create_task(self._compute_and_keep(key, marker))
        self._running[key] = task
        task.add_done_callback(lambda _: self._running.pop(key, None))
        return task

    async def _compute_and_keep(self, key: str, marker: Marker) -> Kept[V]:
        computed_at, began = self._now(), self._monotonic()
        value = await self._compute(key)
        finished = self._monotonic()
        kept = Kept(value, marker, computed_at, finished - began, finished)
        self._kept[key] = kept
        self._kept.move_to_end(key)
        while len(self._kept) > self._policy.entries:
            self._kept.popitem(last=False)
        return kept

    def _logged(self, task: asyncio.Task[Kept[V]]) -> None:
        """A background computation that failed: requests keep the last one."""
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: background computation failed", self.name,
                      exc_info=task.exception())
