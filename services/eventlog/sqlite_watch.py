"""One look at the log file for every subscription of a process (ADR 0092).

Appends made by this process wake their subscribers at once (the writer's
`Notifier`); appends made by another process on the same file (the HTTP
processes of `serve --workers`, a command-line tool) can only be found by
looking at the file. Each subscription used to do that itself every
`FILE_POLL_INTERVAL`: a query in a thread per topic, so a server's twenty
workers, most of them with nothing to do under a ballot load, ran some 260
queries a second (~35-45 ms of CPU a second on an idle server).

Now the subscriptions of a log share one look per interval, made by one task per
event loop while any of them waits there: the largest offset of the file (an
index's last entry), and when it moved, the topics of the rows past the last
look, on the event loop's own connection: for each topic a subscriber waits on,
whether the (topic, seq) index holds a row past the last look (a lookup each,
however many rows came). It wakes only the subscribers of the topics that grew,
which then read their batch as if this process had appended.

No wake-up is lost: a subscriber registers its waiter before reading, so rows
committed after its read are past what the look last saw and wake it, and rows
committed before it are in what it read. The first look, knowing nothing of
what was read before it, wakes every waiter once.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from services.eventlog import sqlite_rows as rows
from services.eventlog.sqlite_writer import Notifier

log = logging.getLogger("parlons.eventlog")

# The log's reads on the event loop's connection (`SqliteEventLog._point_query`).
PointQuery = Callable[[Callable[[sqlite3.Connection], Any]], Awaitable[Any]]

class FileWatch:
    def __init__(self, notifier: Notifier, point_query: PointQuery, interval: float) -> None:
        self._notifier = notifier
        self._point_query = point_query
        self._interval = interval
        self._seen: int | None = None  # the largest offset of the file at the last look
        self._waiting: dict[asyncio.AbstractEventLoop, int] = {}
        self._lookers: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}
        self.looks = 0  # for tests and benches

    async def wait(self, waiter: asyncio.Future[None], timeout: float) -> None:
        """Wait at most `timeout` for `waiter` (set by a commit to the subscriber's
        topics), the file looked at every interval meanwhile."""
        loop = asyncio.get_running_loop()
        self._waiting[loop] = self._waiting.get(loop, 0) + 1
        try:
            if loop not in self._lookers:
                self._lookers[loop] = loop.create_task(self._keep_looking(loop),
                                                       name="eventlog-file-watch")
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            left = self._waiting[loop] - 1
            if left:
                self._waiting[loop] = left
            else:  # the looker ends at its next turn; a closed loop is not kept
                del self._waiting[loop]

    async def _keep_looking(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            while self._waiting.get(loop):
                await asyncio.sleep(self._interval)
                try:
                    await self.look()
                except Exception as error:  # the subscribers' own reads report it
                    log.debug("look at the log file failed", extra={"error": repr(error)})
        finally:
            del self._lookers[loop]

    async def look(self) -> None:
        """Wake the subscribers of the topics appended to since the last look."""
        self.looks += 1
        last = int(await self._point_query(rows.last_offset))
        seen = self._seen
        if seen is not None and last <= seen:
            return
        waited = self._notifier.waited_topics()
        if seen is None or waited is None:
            self._seen = last
            self._notifier.notify_all(None)
            return
        grown = await self._point_query(lambda conn: rows.topics_after(conn, sorted(waited), seen))
        self._seen = last
        self._notifier.notify_all(frozenset(grown))
