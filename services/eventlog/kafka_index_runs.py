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
`np.insert`, one column at a time, so it needs one column's copy on top of the
runs, not a second copy of all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]


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
    """Runs in levels of growing size; see the module's docstring."""

    def __init__(self, *, first: int, growth: int = 8) -> None:
        self._first = first
        self._growth = growth
        self._levels: list[Run | None] = []

    def __len__(self) -> int:
        return sum(len(run) for run in self._levels if run is not None)

    def add(self, run: Run) -> None:
        for level, held in enumerate(self._levels):
            if held is not None:
                run = held.merged(run)
            if len(run) <= self._first * self._growth ** level:
                self._levels[level] = run
                return
            self._levels[level] = None  # carried down, merged with the next level
        self._levels.append(run)

    def find(self, names: Sequence[str]) -> list[list[tuple[Run, int]]]:
        """For each name, every (run, row) keyed by its digest: one vectorised
        search a level for all the names (a round of appends checks its events'
        ids and streams at once)."""
        found: list[list[tuple[Run, int]]] = [[] for _ in names]
        runs = [run for run in self._levels if run is not None]
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
