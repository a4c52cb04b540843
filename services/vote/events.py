"""Events of the vote service (schemas in schemas/events/vote.*).

Every ballot event carries the state it replaces (`previous`), so a tally moves
-1/+1 in one step from the event alone, and the phase's end (`phase_ends_at`),
so a projection can ignore a ballot recorded after the close (a late replay)
without reading another service's read model.

`item_id` is the partition key of `vote.events` (schemas/topics.yaml): for a
ranking or a results snapshot it names the ranked set (`ranking-<phase>`,
`results-<phase>`), which keeps those streams in order too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class BallotCast(DomainEvent):
    """A support or an agree/disagree/neutral ballot, first or changed.
    `previous`: None, or {choice, qualifications, identity_level} it replaces."""

    TYPE = "vote.BallotCast"
    VERSION = 1

    item_id: str
    consultation_id: str
    phase_id: str
    phase_ends_at: str
    participant_id: str
    ballot_kind: str  # "support" | "agree"
    choice: str  # "support" | "agree" | "disagree" | "neutral"
    qualifications: list[str]
    identity_level: str
    previous: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class BallotWithdrawn(DomainEvent):
    TYPE = "vote.BallotWithdrawn"
    VERSION = 1

    item_id: str
    consultation_id: str
    phase_id: str
    phase_ends_at: str
    participant_id: str
    ballot_kind: str
    previous: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RankingCast(DomainEvent):
    """A participant's ordered choice of up to N items; `items` empty = withdrawn.
    `previous`: None or {items, identity_level}."""

    TYPE = "vote.RankingCast"
    VERSION = 1

    item_id: str  # "ranking-<phase_id>": the ranked set, the topic's key
    consultation_id: str
    phase_id: str
    phase_ends_at: str
    participant_id: str
    items: list[str]
    identity_level: str
    previous: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class VoteSettingsSet(DomainEvent):
    TYPE = "vote.VoteSettingsSet"
    VERSION = 1

    item_id: str  # "settings-<consultation_id>"
    consultation_id: str
    support_threshold: int
    ranking_max: int
    new_share: float


@dataclass(frozen=True, slots=True)
class SupportThresholdReached(DomainEvent):
    TYPE = "vote.SupportThresholdReached"
    VERSION = 1

    item_id: str
    consultation_id: str
    phase_id: str
    threshold: int
    supports: int


@dataclass(frozen=True, slots=True)
class ResultsFrozen(DomainEvent):
    """The results of a closed phase, recounted from the log at freeze time.
    `tallies`: {item_id: TALLY}; `rankings`: RANKING_TALLY (see tally.py);
    `budget` (a participatory budget phase, else empty): {votes, envelopes, costs},
    the budget as the log said it at the freeze (ADR 0067)."""

    TYPE = "vote.ResultsFrozen"
    VERSION = 1

    item_id: str  # "results-<phase_id>"
    consultation_id: str
    phase_id: str
    phase_ends_at: str
    tallies: dict[str, Any]
    rankings: dict[str, Any]
    budget: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BudgetEnvelopeSet(DomainEvent):
    """An organiser sets (or changes) a participatory budget's envelope: the
    amount, in whole euros, that one territory's projects share (`territory`
    empty: the whole consultation). Stream `budget-<consultation_id>`."""

    TYPE = "vote.BudgetEnvelopeSet"
    VERSION = 1

    item_id: str  # "budget-<consultation_id>": the topic's key
    consultation_id: str
    envelope_id: str
    territory: str
    amount: int


@dataclass(frozen=True, slots=True)
class ProjectCostSet(DomainEvent):
    """An organiser gives a published proposal (a project) its cost, in whole
    euros, and the envelope it draws on. Stream `budget-<consultation_id>`."""

    TYPE = "vote.ProjectCostSet"
    VERSION = 1

    item_id: str  # "budget-<consultation_id>"
    consultation_id: str
    project_id: str
    envelope_id: str
    cost: int


@dataclass(frozen=True, slots=True)
class BudgetBallotCast(DomainEvent):
    """A participant's choice of projects of one envelope, their total within it;
    `projects` empty: withdrawn. `previous`: None or {envelope_id, projects,
    identity_level}. Stream `budget-ballot-<phase>-<participant>`."""

    TYPE = "vote.BudgetBallotCast"
    VERSION = 1

    item_id: str  # "budget-<phase_id>": the topic's key
    consultation_id: str
    phase_id: str
    phase_ends_at: str
    participant_id: str
    envelope_id: str
    projects: list[str]
    total: int
    identity_level: str
    previous: dict[str, Any] | None
