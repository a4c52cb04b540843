"""Recount: every tally recomputed from the log, compared with the projection,
and every frozen result compared with the log.

Deliberately another algorithm than the projection's -1/+1 steps: here only the
last event of each ballot stream counts (its final state), so a lost, doubled or
misordered step in the projection shows as a difference. A frozen result (its
`ResultsFrozen` event) must equal the recount of its phase: a ballot that got in
after the freeze shows as a difference too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from services.eventlog.port import EventLog, Recorded
from services.eventlog.port import read_all as read_topic
from services.store.port import ReadStore
from services.vote import budget as b
from services.vote import tally as t
from services.vote.projections import BUDGET_VOTES, RANKINGS, TALLIES, tally_partition

TOPIC = "vote.events"
_PAGE = 5000
_BALLOTS = ("vote.BallotCast", "vote.BallotWithdrawn", "vote.RankingCast",
            "vote.BudgetBallotCast")


def read_all(log: EventLog) -> AsyncIterator[Recorded]:
    return read_topic(log, TOPIC, page=_PAGE)


async def recount(log: EventLog, *, consultation_id: str | None = None,
                  phase_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(tallies by "<consultation>|<phase>" then item, rankings by
    "<consultation>|<phase>"), from the final state of every ballot stream."""
    tallies, rankings, _, _ = await _recount(log, consultation_id, phase_id)
    return tallies, rankings


async def _recount(log: EventLog, consultation_id: str | None, phase_id: str | None
                   ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any],
                              dict[str, dict[str, Any]]]:
    """The recount (tallies, rankings, budget votes), and the frozen results met on
    the way, by partition.

    Each ballot stream's last state is kept as a small tuple of what counts, and
    equal states are one tuple: a national vote's millions of streams held as the
    events read (~1.9 KB each) would take gigabytes in the freezing process, where
    a stream now costs its key and a slot (~250 bytes)."""
    last: dict[str, tuple[int, tuple[Any, ...]]] = {}
    states: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # each distinct state, once
    frozen: dict[str, dict[str, Any]] = {}
    async for r in read_all(log):
        e = r.event
        if e.type == "vote.ResultsFrozen":
            frozen[tally_partition(e.data["consultation_id"], e.data["phase_id"])] = e.data
            continue
        if e.type not in _BALLOTS or t.is_late(e.occurred_at, e.data["phase_ends_at"]):
            continue
        if consultation_id and e.data["consultation_id"] != consultation_id:
            continue
        if phase_id and e.data["phase_id"] != phase_id:
            continue
        known = last.get(e.stream)
        if known is None or known[0] < e.stream_version:
            state = _state(e.type, e.data)
            last[e.stream] = (e.stream_version, states.setdefault(state, state))
    tallies: dict[str, dict[str, Any]] = {}
    rankings: dict[str, Any] = {}
    budgets: dict[str, Any] = {}
    for _, (kind, consultation, phase, *rest) in last.values():
        part = tally_partition(consultation, phase)
        if kind == "vote.BudgetBallotCast":
            envelope_id, projects = rest
            b.count_ballot(budgets.setdefault(part, b.empty_votes()),
                           {"envelope_id": envelope_id, "projects": list(projects)}, +1)
            continue
        if kind == "vote.RankingCast":
            items, level = rest
            ranking = rankings.setdefault(part, t.empty_ranking(consultation, phase))
            t.count_ranking(ranking, {"items": list(items), "identity_level": level}, +1)
            continue
        item_id = rest[0]
        tally = tallies.setdefault(part, {}).setdefault(
            item_id, t.empty_tally(item_id, consultation, phase))
        if kind == "vote.BallotCast":
            _, ballot_kind, choice, qualifications, level = rest
            t.count_ballot(tally, ballot_kind, {
                "choice": choice, "qualifications": qualifications,
                "identity_level": level}, +1)
    return tallies, rankings, budgets, frozen


def _state(kind: str, d: dict[str, Any]) -> tuple[Any, ...]:
    """What a ballot stream's last event counts for: its type, consultation and
    phase, then the fields its kind counts (a withdrawal: only its item, whose
    tally it leaves at its other ballots' counts)."""
    head = (kind, d["consultation_id"], d["phase_id"])
    if kind == "vote.BallotCast":
        return (*head, d["item_id"], d["ballot_kind"], d["choice"],
                tuple(d["qualifications"]), d["identity_level"])
    if kind == "vote.RankingCast":
        return (*head, tuple(d["items"]), d["identity_level"])
    if kind == "vote.BudgetBallotCast":
        return (*head, d["envelope_id"], tuple(d["projects"]))
    return (*head, d["item_id"])  # vote.BallotWithdrawn


@dataclass(frozen=True, slots=True)
class PhaseCount:
    """One phase's recount, for freezing: its tallies {item_id: TALLY}, its
    RANKING_TALLY, and its participatory budget votes (budget.count_ballot's shape)."""

    tallies: dict[str, Any]
    ranking: dict[str, Any]
    budget: dict[str, Any]


async def recount_phase(log: EventLog, consultation_id: str, phase_id: str) -> PhaseCount:
    """One phase's counts, from the final state of every ballot stream: in one read
    of the whole topic (a budget phase's freeze read it twice, once for the budget)."""
    tallies, rankings, budgets, _ = await _recount(log, consultation_id, phase_id)
    part = tally_partition(consultation_id, phase_id)
    return PhaseCount(tallies.get(part, {}),
                      rankings.get(part, t.empty_ranking(consultation_id, phase_id)),
                      budgets.get(part, b.empty_votes()))


@dataclass(frozen=True, slots=True)
class Difference:
    """One count that the recount from the log and what is shown disagree on.

    `subject` is "item" (one item's tally, `item_id`), "ranking" or "budget" (the
    phase's); `against` is "projection" (the live results) or "frozen" (the results
    frozen at the phase's close); `recounted` and `shown` are the two sides' counts
    (`_counts`, `_ranking_counts` or `_budget_counts` shapes, {} for none)."""

    consultation_id: str
    phase_id: str
    subject: str
    against: str
    recounted: dict[str, Any]
    shown: dict[str, Any]
    item_id: str = ""

    def line(self) -> str:
        """The operator's line (`parlons recount`, the JSON endpoint)."""
        what = {"item": self.item_id, "ranking": "classement",
                "budget": "budget participatif"}[self.subject]
        side = "projection" if self.against == "projection" else "résultats figés"
        return (f"{tally_partition(self.consultation_id, self.phase_id)} {what}: "
                f"recompté {self.recounted} ≠ {side} {self.shown}")


async def compare(log: EventLog, store: ReadStore) -> list[str]:
    """`differences`, one French line each; empty when they all agree."""
    return [d.line() for d in await differences(log, store)]


def _phase_of(part: str) -> tuple[str, str]:
    consultation_id, _, phase_id = part.partition("|")  # tally_partition's form
    return consultation_id, phase_id


async def differences(log: EventLog, store: ReadStore) -> list[Difference]:
    """Differences between the recount and the projection, and between each frozen
    result and the recount of its phase; empty when they all agree."""
    counted, ranked, budgets, frozen = await _recount(log, None, None)
    projected: dict[str, dict[str, Any]] = {}
    async for part, key, doc in store.scan(TALLIES):
        projected.setdefault(part, {})[key] = doc
    diffs: list[Difference] = []
    for part in sorted(set(counted) | set(projected)):
        mine, theirs = counted.get(part, {}), projected.get(part, {})
        for item in sorted(set(mine) | set(theirs)):
            a, b = _counts(mine.get(item)), _counts(theirs.get(item))
            if a != b:
                diffs.append(Difference(*_phase_of(part), "item", "projection", a, b, item))
    projected_rankings = {tally_partition(c, p): doc
                          async for c, p, doc in store.scan(RANKINGS)}
    for part in sorted(set(ranked) | set(projected_rankings)):
        a, b = _ranking_counts(ranked.get(part)), _ranking_counts(projected_rankings.get(part))
        if a != b:
            diffs.append(Difference(*_phase_of(part), "ranking", "projection", a, b))
    projected_budgets = {tally_partition(c, p): doc
                         async for c, p, doc in store.scan(BUDGET_VOTES)}
    for part in sorted(set(budgets) | set(projected_budgets)):
        a, b = _budget_counts(budgets.get(part)), _budget_counts(projected_budgets.get(part))
        if a != b:
            diffs.append(Difference(*_phase_of(part), "budget", "projection", a, b))
    for part, snapshot in sorted(frozen.items()):
        if snapshot.get("budget"):
            a, b = (_budget_counts(budgets.get(part)),
                    _budget_counts(snapshot["budget"]["votes"]))
            if a != b:
                diffs.append(Difference(*_phase_of(part), "budget", "frozen", a, b))
        mine = counted.get(part, {})
        for item in sorted(set(mine) | set(snapshot["tallies"])):
            a, b = _counts(mine.get(item)), _counts(snapshot["tallies"].get(item))
            if a != b:
                diffs.append(Difference(*_phase_of(part), "item", "frozen", a, b, item))
        a, b = _ranking_counts(ranked.get(part)), _ranking_counts(snapshot["rankings"])
        if a != b:
            diffs.append(Difference(*_phase_of(part), "ranking", "frozen", a, b))
    return diffs


def _counts(tally: dict[str, Any] | None) -> dict[str, Any]:
    if tally is None:
        return {}
    out = {"support": tally["support"], "agree": tally["agree"],
           "qualifications": tally["qualifications"]}
    empty = t.empty_tally("", "", "")
    return {} if all(out[k] == empty[k] for k in out) else out


def _ranking_counts(ranking: dict[str, Any] | None) -> dict[str, Any]:
    if ranking is None or not ranking["ballots"]:
        return {}
    return {k: ranking[k] for k in ("ballots", "by_level", "borda", "first")}


def _budget_counts(votes: dict[str, Any] | None) -> dict[str, Any]:
    """Budget votes without the envelopes and projects left at zero (a ballot
    moved away leaves its zero behind in the projection)."""
    out = {}
    for eid, env in (votes or {}).items():
        projects = {p: n for p, n in env["projects"].items() if n}
        if env["ballots"] or projects:
            out[eid] = {"ballots": env["ballots"], "projects": projects}
    return out
