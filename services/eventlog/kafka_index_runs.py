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

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]


def digest(name: str) -> tuple[int, int]:
    """The two 64-bit halves of the name's 128-bit BLAKE2b digest."""
    d = blake2b(name.encode(), digest_size=16).digest()
    return int.from_bytes(d[:8], "little"), int.from_bytes(d[8:], "little")


def digests(names: Iterable[str]) -> tuple[U64, U64]:
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

    def rows(self, hi: np.uint64, lo: int) -> range | list[int]:
        """The indexes of the rows keyed (hi, lo)."""
        first = int(self.hi.searchsorted(hi, side="left"))
        if first == len(self.hi) or self.hi[first] != hi:
            return []
        end = int(self.hi.searchsorted(hi, side="right"))
        return [i for i in range(first, end) if int(self.lo[i]) == lo]


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

    def find(self, name: str) -> Iterator[tuple[Run, int]]:
        """Every (run, row) keyed by the name's digest."""
        if not self._levels:
            return
        hi, lo = digest(name)
        key = np.uint64(hi)
        for run in self._levels:
            if run is not None:
                for row in run.rows(key, lo):
                    yield run, row
