"""Sorted runs of fixed-width rows keyed by a 128-bit digest: where the Kafka
writer index keeps what it observed once its recent entries fill up (ADR 0122).

An event id or a stream name held as a Python string in a dict cost the index
~570 bytes an event (the string, the position object, the dict's slot, the
stream's list); ten million events were ~5.7 GB in every process that decides.
A row here is a few machine words in numpy arrays: the name's BLAKE2b digest
(two unsigned 64-bit halves; at 2^-128 a pair of names, two names sharing one is
not a case the index plans for) and the row's values.

Runs are **levelled**: level i holds at most `first * growth**i` rows, sorted
by the digest's first half. A run that does not fit its level is merged into
the next one; a lookup searches every level (three at ten million rows with
the defaults). A merge inserts the smaller run into the larger with
`np.insert`; a large one runs in a thread, the runs added meanwhile pending and
searched (ADR 0126).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
_log = logging.getLogger(__name__)


def digests(names: Iterable[str]) -> tuple[U64, U64]:
    """The two 64-bit halves of each name's 128-bit BLAKE2b digest."""
    raw = b"".join(blake2b(n.encode(), digest_size=16).digest() for n in names)
    halves = np.frombuffer(raw, dtype="<u8").reshape(-1, 2)
    return halves[:, 0].astype(np.uint64), halves[:, 1].astype(np.uint64)


@dataclass(slots=True)
class Run:
    """Rows sorted by `hi` (stable: of rows sharing it, the older come first)."""

    hi: U64
    lo: U64
    columns: tuple[npt.NDArray[np.generic], ...]

    @classmethod
    def of(cls, hi: U64, lo: U64, columns: Sequence[npt.NDArray[np.generic]]) -> Run:
        order = np.argsort(hi, kind="stable")
        return cls(hi[order], lo[order], tuple(c[order] for c in columns))

    def __len__(self) -> int:
        return len(self.hi)

    def merged(self, newer: Run) -> Run:
        """Both runs' rows, sorted; `newer`'s after this run's where `hi` ties."""
        at = np.searchsorted(self.hi, newer.hi, side="right")
        return Run(np.insert(self.hi, at, newer.hi), np.insert(self.lo, at, newer.lo),
                   tuple(np.insert(mine, at, theirs)
                         for mine, theirs in zip(self.columns, newer.columns, strict=True)))


class Levels:
    """Runs in levels of growing size; see the module's docstring.

    A merge that copies more than `in_thread_from` rows runs in a thread: one that
    carries a level of millions of rows into the next took 0.3-0.75 s, a pause of
    the event loop that held every request of the process (ADR 0126). Meanwhile
    the runs added wait in `pending`, and a lookup searches the levels as they
    were and the pending runs: no row is out of its sight. The levels and the
    pending runs are one tuple, replaced whole (under `_lock` by the writers), so
    a lookup reads a consistent pair without taking the lock."""

    def __init__(self, *, first: int, growth: int = 8, in_thread_from: int = 1 << 20) -> None:
        self._first = first
        self._growth = growth
        self._in_thread_from = in_thread_from
        self._held: tuple[tuple[Run | None, ...], tuple[Run, ...]] = ((), ())
        self._lock = threading.Lock()
        self._merger: threading.Thread | None = None

    def __len__(self) -> int:
        levels, pending = self._held
        return sum(len(run) for run in (*levels, *pending) if run is not None)

    def add(self, run: Run) -> None:
        with self._lock:
            levels, pending = self._held
            if self._merger is None and self._copied(levels, run) < self._in_thread_from:
                self._held = (self._merged(levels, run), pending)
                return
            self._held = (levels, (*pending, run))
            if self._merger is None:
                self._merger = threading.Thread(target=self._merge_pending, daemon=True,
                                                name="writer-index-merge")
                self._merger.start()

    def wait_for_merges(self, timeout: float | None = None) -> bool:
        """Until no merge is in flight (True), or `timeout` seconds (False)."""
        merger = self._merger
        if merger is not None:
            merger.join(timeout)
        return self._merger is None

    def _merge_pending(self) -> None:
        """The merger thread: the pending runs into the levels, in the order they
        were added, until none is left."""
        while True:
            levels, pending = self._held
            try:
                for run in pending:
                    levels = self._merged(levels, run)
            except Exception:  # out of memory, most likely: the runs stay pending,
                # still searched; the next add starts a merger again
                _log.exception("a merge of the writer index's runs failed")
                with self._lock:
                    self._merger = None
                return
            with self._lock:
                _, now_pending = self._held  # added while this merged: still pending
                left = now_pending[len(pending):]
                self._held = (levels, left)
                if not left:
                    self._merger = None
                    return

    def _landing(self, levels: tuple[Run | None, ...], rows: int) -> int:
        """The level a run of `rows` settles in: merged with each level on its way
        down, it stays in the first that holds it all (`len(levels)`: a new one)."""
        for level, held in enumerate(levels):
            rows += 0 if held is None else len(held)
            if rows <= self._first * self._growth ** level:
                return level
        return len(levels)

    def _copied(self, levels: tuple[Run | None, ...], run: Run) -> int:
        """The rows a merge of `run` into `levels` would copy: each level's merge on
        its way copies what it carries so far."""
        rows, copied = len(run), 0
        for held in levels[:self._landing(levels, len(run)) + 1]:
            if held is not None:
                rows += len(held)
                copied += rows
        return copied

    def _merged(self, levels: tuple[Run | None, ...], run: Run) -> tuple[Run | None, ...]:
        """`levels` with `run` added: merged with each level on its way down to the
        one it settles in, the levels it passed left empty."""
        landing = self._landing(levels, len(run))
        for held in levels[:landing + 1]:
            if held is not None:
                run = held.merged(run)
        return (*[None] * landing, run, *levels[landing + 1:])

    def find(self, names: Sequence[str]) -> list[list[tuple[Run, int]]]:
        """For each name, every (run, row) keyed by its digest: one vectorised
        search a run for all the names (a round of appends checks its events'
        ids and streams at once)."""
        found: list[list[tuple[Run, int]]] = [[] for _ in names]
        levels, pending = self._held
        runs = [run for run in (*levels, *pending) if run is not None]
        if not runs or not names:
            return found
        his, los = digests(names)
        for run in runs:
            first = run.hi.searchsorted(his, side="left")
            end = run.hi.searchsorted(his, side="right")
            for k in np.flatnonzero(end > first).tolist():
                lo = los[k]
                found[k].extend((run, row) for row in range(int(first[k]), int(end[k]))
                                if run.lo[row] == lo)
        return found
