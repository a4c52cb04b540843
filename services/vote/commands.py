"""Commands of the vote service. Who votes comes from the API layer as a
`ParticipantContext` (pseudonymous id + identity level), as for deposit."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.core.participants import ParticipantContext


@dataclass(frozen=True, slots=True)
class CastBallot:
    item_id: str
    participant: ParticipantContext
    ballot_kind: str  # "support" | "agree"
    choice: str  # "support" for a support; "agree" | "disagree" | "neutral"
    qualifications: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WithdrawBallot:
    item_id: str
    participant: ParticipantContext
    ballot_kind: str


@dataclass(frozen=True, slots=True)
class CastRanking:
    consultation_id: str
    participant: ParticipantContext
    items: tuple[str, ...] = field(default_factory=tuple)  # empty: withdraw the ranking


@dataclass(frozen=True, slots=True)
class ConfigureVote:
    consultation_id: str
    support_threshold: int
    ranking_max: int
    new_share: float


@dataclass(frozen=True, slots=True)
class FreezeResults:
    consultation_id: str
    phase_id: str


@dataclass(frozen=True, slots=True)
class SetBudgetEnvelope:
    """`territory` empty: the consultation-wide envelope."""

    consultation_id: str
    territory: str
    amount: int


@dataclass(frozen=True, slots=True)
class SetProjectCost:
    consultation_id: str
    project_id: str
    envelope_id: str
    cost: int


@dataclass(frozen=True, slots=True)
class CastBudgetBallot:
    consultation_id: str
    participant: ParticipantContext
    envelope_id: str
    projects: tuple[str, ...] = field(default_factory=tuple)  # empty: withdraw the ballot
