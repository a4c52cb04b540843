# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""Read models of the vote service (projection `vote.tallies`, topic `vote.events`).

| table | partition | key | doc |
|---|---|---|---|
| vote_ballots | participant id | "<phase>\\|<kind>\\|<item>" or "<phase>\\|ranking\\|" | {choice, qualifications, identity_level, item_id, consultation_id, phase_id, kind, items, version, withdrawn, cast_at}: the current ballot ("my ballots"; handlers decide on it and expect its version) |
| vote_tallies | "<consultation>\\|<phase>" | item_id | TALLY (tally.py) |
| vote_rankings | consultation_id | phase_id | RANKING_TALLY |
| vote_settings | "all" | consultation_id | {support_threshold, ranking_max, new_share} |
| vote_thresholds | consultation_id | item_id | {phase_id, threshold, supports, reached_at} |
| vote_frozen | consultation_id | phase_id | ResultsFrozen data: what results show once a phase closed |
| vote_budget | consultation_id | "config" | {envelopes, costs}: the participatory budget (budget.budget_of) |
| vote_budget_votes | consultation_id | phase_id | {envelope_id: {ballots, projects: {id: votes}}} |

Ballot events recorded at or after their phase's end are ignored (frozen results).
"""

from __future__ import annotations

from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import StoreTx
from services.store.projection import Projection
from services.vote import budget as b
from services.vote import tally as t
from services.vote.model import ballot_key

BALLOTS = "vote_ballots"
TALLIES = "vote_tallies"
RANKINGS = "vote_rankings"
SETTINGS = "vote_settings"
THRESHOLDS = "vote_thresholds"
FROZEN = "vote_frozen"
BUDGET = "vote_budget"
BUDGET_VOTES = "vote_budget_votes"
BUDGET_KEY = "config"
ALL = "all"


def tally_partition(consultation_id: str, phase_id: str) -> str:
    return f"{consultation_id}|{phase_id}"


def ranking_key(phase_id: str) -> str:
    return f"{phase_id}|ranking|"


def budget_key(phase_id: str) -> str:
    return f"{phase_id}|budget|"


class TalliesProjection(Projection):
    name = "vote.tallies"
    topics = ("vote.events",)
    tables = (BALLOTS, TALLIES, RANKINGS, SETTINGS, THRESHOLDS, FROZEN, BUDGET, BUDGET_VOTES)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d = event.data
        if event.type == "vote.VoteSettingsSet":
            await tx.put(SETTINGS, ALL, d["consultation_id"], {
                k: d[k] for k in ("support_threshold", "ranking_max", "new_share")})
        elif event.type == "vote.SupportThresholdReached":
            await tx.put(THRESHOLDS, d["consultation_id"], d["item_id"], {
                "phase_id": d["phase_id"], "threshold": d["threshold"],
                "supports": d["supports"], "reached_at": iso(event.occurred_at)})
        elif event.type == "vote.ResultsFrozen":
            await tx.put(FROZEN, d["consultation_id"], d["phase_id"], dict(d))
        elif event.type in ("vote.BudgetEnvelopeSet", "vote.ProjectCostSet"):
            await _budget(event, tx)
        elif t.is_late(event.occurred_at, d.get("phase_ends_at", "9999-12-31T00:00:00Z")):
            return
        elif event.type in ("vote.BallotCast", "vote.BallotWithdrawn"):
            await _ballot(event, tx)
        elif event.type == "vote.RankingCast":
            await _ranking(event, tx)
        elif event.type == "vote.BudgetBallotCast":
            await _budget_ballot(event, tx)


async def _ballot(event: Envelope, tx: StoreTx) -> None:
    d = event.data
    kind, part = d["ballot_kind"], tally_partition(d["consultation_id"], d["phase_id"])
    tally = await tx.get(TALLIES, part, d["item_id"]) or t.empty_tally(
        d["item_id"], d["consultation_id"], d["phase_id"])
    if d["previous"] is not None:
        t.count_ballot(tally, kind, d["previous"], -1)
    key = ballot_key(d["phase_id"], kind, d["item_id"])
    if event.type == "vote.BallotCast":
        state = {"choice": d["choice"], "qualifications": d["qualifications"],
                 "identity_level": d["identity_level"]}
        t.count_ballot(tally, kind, state, +1)
        await tx.put(BALLOTS, d["participant_id"], key, {
            **state, "item_id": d["item_id"], "consultation_id": d["consultation_id"],
            "phase_id": d["phase_id"], "kind": kind, "version": event.stream_version,
            "withdrawn": False, "cast_at": iso(event.occurred_at)})
    else:
        # Kept as withdrawn: the next cast must expect this stream version.
        await tx.put(BALLOTS, d["participant_id"], key, {
            "withdrawn": True, "item_id": d["item_id"], "consultation_id": d["consultation_id"],
            "phase_id": d["phase_id"], "kind": kind, "version": event.stream_version,
            "cast_at": iso(event.occurred_at)})
    await tx.put(TALLIES, part, d["item_id"], tally)


async def _ranking(event: Envelope, tx: StoreTx) -> None:
    d = event.data
    tally = await tx.get(RANKINGS, d["consultation_id"], d["phase_id"]) or t.empty_ranking(
        d["consultation_id"], d["phase_id"])
    if d["previous"] is not None:
        t.count_ranking(tally, d["previous"], -1)
    state = {"items": d["items"], "identity_level": d["identity_level"]}
    t.count_ranking(tally, state, +1)
    await tx.put(RANKINGS, d["consultation_id"], d["phase_id"], tally)
    await tx.put(BALLOTS, d["participant_id"], ranking_key(d["phase_id"]), {
        **state, "consultation_id": d["consultation_id"], "phase_id": d["phase_id"],
        "kind": "ranking", "version": event.stream_version, "cast_at": iso(event.occurred_at)})




async def _budget(event: Envelope, tx: StoreTx) -> None:
    d = event.data
    doc = await tx.get(BUDGET, d["consultation_id"], BUDGET_KEY) or {
        "envelopes": {}, "costs": {}, "version": 0}
    if event.stream_version <= doc["version"]:
        return  # already applied (the stream's version says so)
    folded = b.budget_of([event])
    doc["envelopes"].update(folded["envelopes"])
    doc["costs"].update(folded["costs"])
    doc["version"] = event.stream_version
    await tx.put(BUDGET, d["consultation_id"], BUDGET_KEY, doc)


async def _budget_ballot(event: Envelope, tx: StoreTx) -> None:
    d = event.data
    votes = await tx.get(BUDGET_VOTES, d["consultation_id"], d["phase_id"]) or b.empty_votes()
    if d["previous"] is not None:
        b.count_ballot(votes, d["previous"], -1)
    b.count_ballot(votes, d, +1)
    await tx.put(BUDGET_VOTES, d["consultation_id"], d["phase_id"], votes)
    await tx.put(BALLOTS, d["participant_id"], budget_key(d["phase_id"]), {
        "envelope_id": d["envelope_id"], "projects": d["projects"], "total": d["total"],
        "identity_level": d["identity_level"], "consultation_id": d["consultation_id"],
        "phase_id": d["phase_id"], "kind": "budget", "version": event.stream_version,
        "cast_at": iso(event.occurred_at)})
