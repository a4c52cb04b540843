"""k-anonymity of territory x date in open-data exports (ADR 0047).

A published row carries two quasi-identifiers: the département of its author
(`authorZipCode`) and its dates. A response alone in its département on its
day points at a person someone may know. Before publication every row's
(département, day of submission) cell is counted; a cell with fewer than
`k` rows (PARLONS_OPENDATA_MIN_CELL, default 5) loses its département; the
rows left without a département on a day with fewer than `k` of them have
their dates coarsened to the month; those still fewer than `k` in their month
lose their dates. So every (département, date) pair a file shows is shared by
at least `k` rows, and with `k` > 1 dates are published to the day, never to
the second. `k` = 1 turns the check off (the raw Grand Débat format).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

MIN_CELL_DEFAULT = 5

Cell = tuple[str, str]  # (département or "", day "YYYY-MM-DD")


def min_cell_setting() -> int:
    """PARLONS_OPENDATA_MIN_CELL: the smallest group a published cell may show."""
    raw = os.environ.get("PARLONS_OPENDATA_MIN_CELL", str(MIN_CELL_DEFAULT))
    value = int(raw)
    if value < 1:
        raise ValueError("PARLONS_OPENDATA_MIN_CELL must be 1 (off) or more")
    return value


@dataclass(frozen=True, slots=True)
class Shown:
    territory: str
    grain: str  # "second" | "day" | "month" | "none"


def plan(counts: Mapping[Cell, int], k: int) -> dict[Cell, Shown]:
    """How each cell's rows are shown so that every shown (territory, date)
    pair holds at least `k` rows."""
    if k <= 1:
        return {cell: Shown(cell[0], "second") for cell in counts}
    out: dict[Cell, Shown] = {}
    blank_day: Counter[str] = Counter()
    for (territory, day), n in counts.items():
        if territory and n >= k:
            out[(territory, day)] = Shown(territory, "day")
        else:
            blank_day[day] += n
    blank_month: Counter[str] = Counter()
    for day, n in blank_day.items():
        if n < k:
            blank_month[day[:7]] += n
    for (territory, day), _ in counts.items():
        if (territory, day) in out:
            continue
        if blank_day[day] >= k:
            out[(territory, day)] = Shown("", "day")
        elif blank_month[day[:7]] >= k:
            out[(territory, day)] = Shown("", "month")
        else:
            out[(territory, day)] = Shown("", "none")
    return out


def coarsen(when: str, grain: str) -> str:
    """'2019-01-22 10:30:41' at the grain: second (unchanged), day, month, none."""
    if grain == "second" or not when:
        return when
    return {"day": when[:10], "month": when[:7]}.get(grain, "")


def cell_of(territory: str, submitted_at: str) -> Cell:
    return (territory or "", submitted_at[:10])
