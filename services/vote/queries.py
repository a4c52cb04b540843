"""The vote service's query port: what other services may read of it."""

from __future__ import annotations

from services.store.paging import whole_partition
from services.store.port import Doc, ReadStore
from services.vote.model import PHASE_ACTIONS
from services.vote.projections import BALLOTS, FROZEN, TALLIES, tally_partition


async def ballots_by(store: ReadStore, participant_id: str) -> list[Doc]:
    """Every ballot and ranking of this participant, withdrawn ones marked as such:
    the personal-data export's share."""
    return await whole_partition(store, BALLOTS, participant_id)


async def vote_results(store: ReadStore, consultation: Doc) -> list[Doc]:
    """Each vote phase's tallies (TALLY, tally.py) with `phase_id`, `phase_title`
    and `frozen`: the frozen snapshot once the phase is frozen, else the live
    tallies, as the results page shows them. The open-data export's share: counts
    only, no ballot and no voter."""
    out: list[Doc] = []
    for phase in consultation.get("phases", []):
        if not PHASE_ACTIONS & set(phase.get("actions", ())):
            continue
        cid, pid = consultation["id"], phase["phase_id"]
        frozen = await store.get(FROZEN, cid, pid)
        tallies = ([frozen["tallies"][k] for k in sorted(frozen["tallies"])] if frozen
                   else await whole_partition(store, TALLIES, tally_partition(cid, pid)))
        out += [{**t, "phase_id": pid, "phase_title": phase.get("title", ""),
                 "frozen": frozen is not None} for t in tallies]
    return out
