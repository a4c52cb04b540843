"""Events of the consultation service (schemas in schemas/events/consultation.*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class ConsultationCreated(DomainEvent):
    TYPE = "consultation.ConsultationCreated"
    VERSION = 1

    consultation_id: str
    title: str
    slug: str
    summary: str
