# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""A consultation's participation: a projection of deposit, moderation and vote
events (projection `synthesis.participation`, ADR 0142).

| table | partition | key | doc |
|---|---|---|---|
| participation_contributions | "all" | contribution_id | STATE: the contribution's publication fields (moderation.publication), its kind and consultation |
| participation_figures | consultation_id | "totals" | {contributions: {kind: {received, published, pending, refused, withdrawn}}, contributors, voters, ballots: {phase_id: {kind: {cast, changed, withdrawn}}}} |
| participation_days | consultation_id | YYYY-MM-DD (Europe/Paris) | {contributions: {kind: n}, ballots: n}: received and first cast that day |
| participation_people | consultation_id | participant_id | {contributed, voted}: to count each person once; never shown |

Counts only leave the projection: the pseudonymous ids needed to count people
once stay in `participation_people`, which no page reads. Contributors are the
authors of at least one contribution (withdrawn ones too), voters the people who
cast at least one ballot (withdrawn since or not): an erased account's past
participation keeps counting, and its rows stay (they hold only the log's own
pseudonymous ids), so the projection does not read the identity topic.

A contribution's state merges its events in any order (a decision may be read
before its submission, from the other topic); each change moves the figures by
(after - before). The per-stream guard drops redeliveries. Deltas are summed in
memory during a batch and written once per touched document in `end_batch` (same
transaction): a batch of thousands of ballots costs a read-modify-write of one
figures document and one day per consultation, plus a person's row the first
time they take part.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from services.core.envelope import Envelope
from services.moderation import publication
from services.store.port import StoreTx, Where
from services.store.projection import Projection
from services.synthesis.participation.counting import (
    BALLOT_KINDS,
    ballot_change,
    ballot_kind,
    day_of,
    state_of,
)

STATE = "participation_contributions"
FIGURES = "participation_figures"
DAYS = "participation_days"
PEOPLE = "participation_people"
ALL = "all"
TOTALS = "totals"  # the key of a consultation's figures document
CONTRIBUTION_EVENTS = frozenset({*publication.SUBMITTED, publication.EDITED,
                                 "deposit.ContributionWithdrawn", "moderation.DecisionMade",
                                 "moderation.AppealDecided"})
# Path in a document -> +/- n, per (consultation) or (consultation, day).
Deltas = defaultdict[tuple[str, tuple[str, ...]], int]


class ParticipationProjection(Projection):
    name = "synthesis.participation"
    replay_cost = 0.45  # 10 µs an event read (bench/replay.py, 2026-12-08, a small log)
    topics = ("deposit.events", "moderation.events", "vote.events")
    tables = (STATE, FIGURES, DAYS, PEOPLE)
    # Neither a contribution's state nor a ballot: the write-side key, the policy,
    # what only the moderation queue reads, a mask (the text, not its state), the
    # charter; the vote settings, budget, thresholds and frozen results.
    ignores = publication.QUEUE_ONLY | {
        publication.SUBMISSION_KEY, publication.MASKED, "deposit.ContributionPolicySet",
        "moderation.CharterSet", "vote.VoteSettingsSet", "vote.SupportThresholdReached",
        "vote.ResultsFrozen", "vote.BudgetEnvelopeSet", "vote.ProjectCostSet"}

    def __init__(self) -> None:
        self._totals: Deltas = defaultdict(int)
        self._days: defaultdict[tuple[str, str, tuple[str, ...]], int] = defaultdict(int)

    def begin_batch(self) -> None:  # a new batch, or a retry after a failed one
        self._totals, self._days = defaultdict(int), defaultdict(int)

    def reads(self, events: Sequence[Envelope]) -> list[Where]:
        wheres: list[Where] = []
        for event in events:
            d = event.data
            if event.type in CONTRIBUTION_EVENTS and isinstance(d.get("contribution_id"), str):
                wheres.append((STATE, ALL, d["contribution_id"]))
            person = d.get("author_id") if event.type in publication.SUBMITTED else (
                d.get("participant_id") if event.type in BALLOT_KINDS else None)
            if isinstance(person, str) and isinstance(d.get("consultation_id"), str):
                wheres.append((PEOPLE, d["consultation_id"], person))
        return wheres

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if event.type in BALLOT_KINDS:
            await self._ballot(event, tx)
        elif event.type in CONTRIBUTION_EVENTS:
            await self._contribution(event, tx)

    async def _contribution(self, event: Envelope, tx: StoreTx) -> None:
        d, submitted = event.data, event.type in publication.SUBMITTED
        state = await tx.get(STATE, ALL, d["contribution_id"]) or {
            **publication.new_state(d["contribution_id"]), "consultation_id": d["consultation_id"]}
        if submitted and state["kind"] is not None:
            return  # the same contribution submitted twice: nothing new
        before = state_of(state)
        if not publication.evolve(state, event):
            return
        cid = state["consultation_id"]
        if submitted:
            kind = publication.SUBMITTED[event.type]
            state["kind"] = kind
            self._totals[(cid, ("contributions", kind, "received"))] += 1
            self._days[(cid, day_of(event.occurred_at), ("contributions", kind))] += 1
            await self._first_time(tx, cid, d["author_id"], "contributed", "contributors")
        after = state_of(state)
        await tx.put(STATE, ALL, state["id"], state)
        if before != after:
            kind = state["kind"]
            if before is not None:
                self._totals[(cid, ("contributions", kind, before))] -= 1
            if after is not None:
                self._totals[(cid, ("contributions", kind, after))] += 1

    async def _ballot(self, event: Envelope, tx: StoreTx) -> None:
        change = ballot_change(event)
        if change is None:
            return
        d = event.data
        cid = d["consultation_id"]
        self._totals[(cid, ("ballots", d["phase_id"], ballot_kind(event), change))] += 1
        if change == "cast":
            self._days[(cid, day_of(event.occurred_at), ("ballots",))] += 1
            await self._first_time(tx, cid, d["participant_id"], "voted", "voters")

    async def _first_time(self, tx: StoreTx, cid: str, participant_id: str, did: str,
                          counter: str) -> None:
        """Count the person once per consultation, whatever they did again since."""
        person = await tx.get(PEOPLE, cid, participant_id) or {"contributed": False,
                                                               "voted": False}
        if not person[did]:
            person[did] = True
            await tx.put(PEOPLE, cid, participant_id, person)
            self._totals[(cid, (counter,))] += 1

    async def end_batch(self, tx: StoreTx) -> None:
        by_doc: dict[tuple[str, str, str], list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for (cid, path), n in self._totals.items():
            if n:
                by_doc[(FIGURES, cid, TOTALS)].append((path, n))
        for (cid, day, path), n in self._days.items():
            if n:
                by_doc[(DAYS, cid, day)].append((path, n))
        for (table, cid, key), changes in sorted(by_doc.items()):
            doc = await tx.get(table, cid, key) or {}
            for path, n in changes:
                bump(doc, path, n)
            await tx.put(table, cid, key, doc)
        self.begin_batch()


def bump(doc: dict[str, Any], path: tuple[str, ...], n: int) -> None:
    """Add n to the count at `path` in nested dicts; a count back to 0 leaves,
    and so does a dict left empty, so figures built live and rebuilt from the log
    are the same documents."""
    head, *rest = path
    if rest:
        child = doc.setdefault(head, {})
        bump(child, tuple(rest), n)
        if not child:
            del doc[head]
        return
    doc[head] = doc.get(head, 0) + n
    if not doc[head]:
        del doc[head]
