"""Events of the open-data publication (schemas in schemas/events/synthesis.*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class OpenDataPublicationSet(DomainEvent):
    """The organiser turned the daily open-data publication of a consultation on
    or off (stream `opendata-<consultation_id>`)."""

    TYPE = "synthesis.OpenDataPublicationSet"
    VERSION = 1

    consultation_id: str
    daily: bool
