"""A vote phase's results table on the public results page: every item's counts,
in the order of its votes (supports first where the phase takes supports, else
« d'accord »), a page at a time, and the share of votes by identification level
over every item.

The page listed the live tallies' first 200 rows in the order of the items' ids:
on a vote of 30,000 proposals most were missing, whatever their votes, and the
shares by level counted those 200 only; once frozen, every row was on one page.
Every tally is read now: once per change of the store, shared by the views
(ADR 0039), a large phase's table at most every few seconds (the page says the
results are provisional until frozen)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from services.core.shared_computation import Policy, SharedComputations
from services.store.paging import whole_partition
from services.store.port import ReadStore
from services.vote import model
from services.vote.items import SMALL
from services.vote.projections import FROZEN, TALLIES, tally_partition
from services.web.deps import Web
from services.web.vote.charts import agree_bar, shares

RESULTS_PAGE = 50  # items a page of a phase's table
RESULTS_CACHE = "vote_results"
# Reading 30,000 tallies takes a few hundred ms: a phase's table is made again at
# each change of the store while it takes under 50 ms or has under 2,000 items,
# at most every 5 s (or four times its length) beyond.
RESULTS_POLICY = Policy(quick_s=0.05, gap_s=5.0, factor=4.0)


@dataclass(frozen=True, slots=True)
class PhaseTable:
    rows: list[dict[str, Any]]  # every tallied item, in the order shown
    levels: list[tuple[str, int, float]]  # (level, votes, percent)


def order_of(phase: dict[str, Any]) -> str:
    return "support" if model.KINDS["support"] in (phase.get("actions") or ()) else "agree"


async def phase_table(store: ReadStore, cid: str, phase_id: str, order: str) -> PhaseTable:
    """Every tally of the phase (the frozen snapshot once frozen), sorted."""
    frozen = await store.get(FROZEN, cid, phase_id)
    tallies = ([frozen["tallies"][k] for k in sorted(frozen["tallies"])] if frozen
               else await whole_partition(store, TALLIES, tally_partition(cid, phase_id)))
    levels: dict[str, int] = {}
    rows = []
    for t in tallies:
        a = t["agree"]
        for lvl, counts in a["by_level"].items():
            levels[lvl] = levels.get(lvl, 0) + sum(counts.values())
        for lvl, n in t["support"]["by_level"].items():
            levels[lvl] = levels.get(lvl, 0) + n
        rows.append({"item_id": t["item_id"], "agree": a["agree"],
                     "disagree": a["disagree"], "neutral": a["neutral"],
                     "support": t["support"]["total"],
                     "qualifications": sorted(t.get("qualifications", {}).items(),
                                              key=lambda kv: -kv[1])})
    if order == "support":
        rows.sort(key=lambda r: (-r["support"], -r["agree"], r["item_id"]))
    else:
        rows.sort(key=lambda r: (-r["agree"], -(r["agree"] + r["neutral"] + r["disagree"]),
                                 r["item_id"]))
    return PhaseTable(rows, shares(levels))


def _tables(web: Web) -> SharedComputations[PhaseTable]:
    tables: SharedComputations[PhaseTable] | None = web.caches.get(RESULTS_CACHE)
    if tables is None:
        async def marker(_: str) -> int | None:
            return web.store.changes()

        async def compute(key: str) -> PhaseTable:
            cid, phase_id, order, _ = key.split("\x1f")
            return await phase_table(web.store, cid, phase_id, order)

        tables = web.caches[RESULTS_CACHE] = SharedComputations(
            "vote results", compute, marker, RESULTS_POLICY,
            small=lambda table: len(table.rows) < SMALL)
    return tables


async def table_of(web: Web, cid: str, phase: dict[str, Any], frozen: bool) -> PhaseTable:
    """The phase's table, shared by the views; a frozen one is another key, so the
    frozen results are never shown from a live table kept before."""
    key = "\x1f".join((cid, phase["phase_id"], order_of(phase), "frozen" if frozen else "live"))
    return await _tables(web).value(key)


def page_of(table: PhaseTable, number: int) -> dict[str, Any]:
    """Page `number` (from 1, brought within the pages) of the table: its rows with
    their chart, and where it stands."""
    pages = max(1, math.ceil(len(table.rows) / RESULTS_PAGE))
    number = min(max(1, number), pages)
    rows = [{**r, "chart": agree_bar(r["agree"], r["disagree"], r["neutral"])}
            for r in table.rows[(number - 1) * RESULTS_PAGE:number * RESULTS_PAGE]]
    return {"rows": rows, "number": number, "pages": pages, "total": len(table.rows),
            "first_rank": (number - 1) * RESULTS_PAGE + 1}
