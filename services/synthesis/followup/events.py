"""Events of the follow-up (schemas in schemas/events/synthesis.*). Streams:
`followup-<response_id>` (published, status changes, the notices issued) and
`digest-<participant_id>` (digests sent). Participant ids are pseudonymous; no
e-mail address is ever in an event (the digest job reads it from the vault)."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class ResponsePublished(DomainEvent):
    """A response or decision of the organiser, linked to themes of the published
    synthesis (`run_id`) and to proposals."""

    TYPE = "synthesis.ResponsePublished"
    VERSION = 1

    response_id: str
    consultation_id: str
    title: str
    body: str
    status: str
    run_id: str
    theme_ids: list[str]
    proposal_ids: list[str]


@dataclass(frozen=True, slots=True)
class ResponseStatusChanged(DomainEvent):
    TYPE = "synthesis.ResponseStatusChanged"
    VERSION = 1

    response_id: str
    consultation_id: str
    status: str
    note: str


@dataclass(frozen=True, slots=True)
class ContributorsNotified(DomainEvent):
    """The contributors whose contributions fed the linked themes or proposals
    (a chunk), told of the response's publication or new status."""

    TYPE = "synthesis.ContributorsNotified"
    VERSION = 1

    response_id: str
    consultation_id: str
    status: str
    participant_ids: list[str]


@dataclass(frozen=True, slots=True)
class DigestSent(DomainEvent):
    """The e-mail digest of a participant's first `notices` pending notices left."""

    TYPE = "synthesis.DigestSent"
    VERSION = 1

    participant_id: str
    notices: int
