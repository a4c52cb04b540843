"""Commands the deposit service accepts. Ids are chosen by the caller (the API
makes a UUIDv7, a form its key), so a retried command targets the same
contribution. A submission sent with an Idempotency-Key carries it as
`request_key`: the key is recorded with the submission, in the same append, so a
retry that got no answer (a crash, a lost connection) answers the first outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.consultation.queries import Answer
from services.core.participants import ParticipantContext
from services.core.slotted import fast_init


@fast_init  # one per proposal submitted (ADR 0099)
@dataclass(frozen=True, slots=True)
class SubmitProposal:
    contribution_id: str
    consultation_id: str
    participant: ParticipantContext
    title: str
    body: str
    theme_id: str = ""
    territory: str = ""
    request_key: str = ""


@dataclass(frozen=True, slots=True)
class SubmitResponse:
    """Answers to one questionnaire: one response per participant, ever."""

    contribution_id: str
    consultation_id: str
    questionnaire_id: str
    participant: ParticipantContext
    answers: Mapping[str, Answer] = field(default_factory=dict)
    request_key: str = ""


@dataclass(frozen=True, slots=True)
class SubmitArgument:
    contribution_id: str
    proposal_id: str
    participant: ParticipantContext
    side: str  # "for" | "against"
    body: str
    request_key: str = ""


@dataclass(frozen=True, slots=True)
class SubmitComment:
    contribution_id: str
    parent_id: str  # a proposal or an argument
    participant: ParticipantContext
    body: str
    request_key: str = ""


@dataclass(frozen=True, slots=True)
class EditContribution:
    """Replaces the title (proposals) and the body, if the consultation's policy allows."""

    contribution_id: str
    participant: ParticipantContext
    body: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class WithdrawContribution:
    contribution_id: str
    participant: ParticipantContext


@dataclass(frozen=True, slots=True)
class SetContributionPolicy:
    """Organiser: may authors edit (within `edit_minutes` of submitting; 0 = never)
    or withdraw their contributions?"""

    consultation_id: str
    edit_minutes: int = 0
    withdraw_allowed: bool = False
