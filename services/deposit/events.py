"""Events of the deposit service (schemas in schemas/events/deposit.*).

Authors appear only as pseudonymous participant ids (`author_id`). Each
submission records the consultation's moderation policy at that moment
("pre" | "post"), so publication never depends on a later policy change.

Texts are written redacted (ADR 0044): v2 of the submissions and of the edit
says so. Their v1, written before, are redacted as they are read (the upcasters
below), so read models, the search index and exports rebuilt from an older log
show what a new event would hold; the old bytes stay in the log until it is
rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.core.events import DomainEvent
from services.core.personal_data import redacted_texts
from services.core.slotted import fast_init
from services.core.upcasting import upcaster


@fast_init  # one per proposal (and its key) submitted (ADR 0099)
@dataclass(frozen=True, slots=True)
class ProposalSubmitted(DomainEvent):
    TYPE = "deposit.ProposalSubmitted"
    VERSION = 2

    contribution_id: str
    consultation_id: str
    author_id: str
    title: str
    body: str
    theme_id: str
    territory: str
    moderation: str
    # The phase it was deposited in (ADR 0062: a vote phase takes its source phases'
    # items); "" in events before 2026-12-05, read by their instant instead.
    phase_id: str = ""


@dataclass(frozen=True, slots=True)
class ResponseSubmitted(DomainEvent):
    """`answers`: [{question_id, option_ids, other_text, text}] (validated).
    `identity_level` and `territory` (département code, never the postcode) are the
    author's at submission, for closed-question statistics; "" in older events
    (optional properties, absent = unknown)."""

    TYPE = "deposit.ResponseSubmitted"
    VERSION = 2

    contribution_id: str
    consultation_id: str
    questionnaire_id: str
    author_id: str
    answers: list[dict[str, Any]]
    moderation: str
    identity_level: str = ""
    territory: str = ""


@dataclass(frozen=True, slots=True)
class ArgumentSubmitted(DomainEvent):
    TYPE = "deposit.ArgumentSubmitted"
    VERSION = 2

    contribution_id: str
    consultation_id: str
    proposal_id: str
    author_id: str
    side: str
    body: str
    moderation: str


@dataclass(frozen=True, slots=True)
class CommentSubmitted(DomainEvent):
    TYPE = "deposit.CommentSubmitted"
    VERSION = 2

    contribution_id: str
    consultation_id: str
    parent_id: str
    author_id: str
    body: str
    moderation: str


@dataclass(frozen=True, slots=True)
class ContributionEdited(DomainEvent):
    TYPE = "deposit.ContributionEdited"
    VERSION = 2

    contribution_id: str
    consultation_id: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class ContributionWithdrawn(DomainEvent):
    TYPE = "deposit.ContributionWithdrawn"
    VERSION = 1

    contribution_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class ContributionPolicySet(DomainEvent):
    TYPE = "deposit.ContributionPolicySet"
    VERSION = 1

    consultation_id: str
    edit_minutes: int
    withdraw_allowed: bool


@fast_init  # one per proposal (and its key) submitted (ADR 0099)
@dataclass(frozen=True, slots=True)
class SubmissionKeyed(DomainEvent):
    """The Idempotency-Key a submission came with (a hash of the participant and
    the key, never the key itself), written in the same append as the submission
    on its own stream `submission-<key_hash>`: a retry after any crash finds it
    and answers the first outcome without writing again (ADR 0033)."""

    TYPE = "deposit.SubmissionKeyed"
    VERSION = 1

    key_hash: str
    contribution_id: str
    consultation_id: str


@upcaster("deposit.ProposalSubmitted", 1)
def _proposal_redacted(data: dict[str, Any]) -> dict[str, Any]:
    return redacted_texts(data, "title", "body")


@upcaster("deposit.ArgumentSubmitted", 1)
def _argument_redacted(data: dict[str, Any]) -> dict[str, Any]:
    return redacted_texts(data, "body")


@upcaster("deposit.CommentSubmitted", 1)
def _comment_redacted(data: dict[str, Any]) -> dict[str, Any]:
    return redacted_texts(data, "body")


@upcaster("deposit.ContributionEdited", 1)
def _edit_redacted(data: dict[str, Any]) -> dict[str, Any]:
    return redacted_texts(data, "title", "body")


@upcaster("deposit.ResponseSubmitted", 1)
def _response_redacted(data: dict[str, Any]) -> dict[str, Any]:
    answers = data.get("answers")
    if isinstance(answers, list):
        data["answers"] = [redacted_texts(dict(a), "text", "other_text") if isinstance(a, dict)
                           else a for a in answers]
    return data
