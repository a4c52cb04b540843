"""The stream versions a writer connection committed itself (ADR 0072).

A group of appends checks each `expect` against its stream's version. Reading
those versions was one query per group, answered from 64 random places of the
(stream, stream_version) index in the bench. Versions this connection committed
are the truth as long as no other connection has written the file since, which
SQLite tells us: `PRAGMA data_version` changes when another connection (another
process's log, another log on the same file) commits, never for this one's own
commits. So a group asks SQLite only for the streams it does not know, and the
whole memory is dropped the moment anyone else wrote.

What is remembered is what was committed: versions written by a group become
known only once its COMMIT returned; a group rolled back, a request that took
the one-by-one path, anything unsure, forgets.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# Streams remembered at most: past it the memory starts over (a dict per stream,
# bounded; a miss costs one indexed read, as it did before).
MAX_STREAMS = 100_000


class CommittedVersions:
    def __init__(self) -> None:
        self._known: dict[str, int] = {}
        self._written: dict[str, int] = {}  # by the group in progress
        self._unsure: set[str] = set()  # written by it without a known version
        self._data_version: int | None = None

    def begin(self, conn: sqlite3.Connection) -> None:
        """At the start of a group, inside its write transaction."""
        data_version = conn.execute("PRAGMA data_version").fetchone()[0]
        # Another connection committed, or the last group ended without saying
        # whether it committed (its writer was cancelled): nothing is sure.
        if data_version != self._data_version or self._written or self._unsure:
            self._known.clear()
            self._data_version = data_version
        self._written.clear()
        self._unsure.clear()

    def known(self, streams: Iterable[str]) -> tuple[dict[str, int], list[str]]:
        """The versions remembered among `streams`, and the streams to read."""
        found: dict[str, int] = {}
        missing: list[str] = []
        known = self._known
        for stream in streams:
            version = known.get(stream)
            if version is None:
                missing.append(stream)
            else:
                found[stream] = version
        return found, missing

    def written(
        self, versions: dict[str, int], expected: Iterable[str], unsure: Iterable[str]
    ) -> None:
        """The group checked every stream of `expected` and leaves it at its
        version in `versions` (what it read in its transaction, raised by what it
        wrote); it wrote the `unsure` streams without an expected version, to
        versions not known in full. Takes hold once the group commits."""
        written = self._written
        for stream in expected:
            written[stream] = versions[stream]
        self._unsure.update(unsure)

    def committed(self) -> None:
        """The group's COMMIT returned: what it wrote is now the truth."""
        if len(self._known) + len(self._written) > MAX_STREAMS:
            self._known.clear()
        self._known.update(self._written)
        for stream in self._unsure:
            self._known.pop(stream, None)
        self._written.clear()
        self._unsure.clear()

    def forget(self) -> None:
        """Something was written or undone outside the fast path: start over."""
        self._known.clear()
        self._written.clear()
        self._unsure.clear()
