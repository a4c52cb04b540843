"""Events of the consultation service (schemas in schemas/events/consultation.*).

Payloads are JSON-native (str, int, float, bool, None, lists, dicts; datetimes as
ISO 8601 UTC strings) so `asdict` is their wire form. Content events live in
`content_events.py`, imported here so every type registers with the schema tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class SlugReserved(DomainEvent):
    """Written once on stream `consultation-slug-<slug>`: the log's key makes slugs unique."""

    TYPE = "consultation.SlugReserved"
    VERSION = 1

    slug: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class ConsultationCreated(DomainEvent):
    TYPE = "consultation.ConsultationCreated"
    VERSION = 1

    consultation_id: str
    title: str
    slug: str
    summary: str
    # optional since 2026-11-28 (older events lack them: defaults apply)
    organiser: str = ""
    identity_level: str = "anonymous"
    moderation: str = "post"
    themes: list[dict[str, Any]] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConsultationUpdated(DomainEvent):
    TYPE = "consultation.ConsultationUpdated"
    VERSION = 1

    consultation_id: str
    title: str
    summary: str
    organiser: str
    identity_level: str
    moderation: str
    themes: list[dict[str, Any]]
    territories: list[str]


@dataclass(frozen=True, slots=True)
class PhasesScheduled(DomainEvent):
    """The whole ordered list of phases: {phase_id, kind, title, description,
    starts_at, ends_at, actions, vote?} (`vote`: a vote phase's method, optional
    since 2026-12-05, read through `phases.vote_method`)."""

    TYPE = "consultation.PhasesScheduled"
    VERSION = 1

    consultation_id: str
    phases: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ConsultationPublished(DomainEvent):
    TYPE = "consultation.ConsultationPublished"
    VERSION = 1

    consultation_id: str


@dataclass(frozen=True, slots=True)
class ConsultationUnpublished(DomainEvent):
    TYPE = "consultation.ConsultationUnpublished"
    VERSION = 1

    consultation_id: str


from services.consultation import content_events  # noqa: E402, F401  (registers the types)
