"""The consultation aggregate as pure functions: decide(state, command) -> events
and evolve(state, event) -> state. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.consultation.commands import CreateConsultation
from services.consultation.events import ConsultationCreated
from services.core.errors import DomainError
from services.core.events import DomainEvent

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TITLE_MAX = 200
SUMMARY_MAX = 2000


@dataclass(frozen=True, slots=True)
class Consultation:
    consultation_id: str
    version: int = 0
    title: str = ""
    slug: str = ""

    @property
    def exists(self) -> bool:
        return self.version > 0


def stream_of(consultation_id: str) -> str:
    return f"consultation-{consultation_id}"


def decide_create(state: Consultation, cmd: CreateConsultation) -> list[DomainEvent]:
    if state.exists:
        raise DomainError("already_exists", "Cette consultation existe déjà.")
    title = cmd.title.strip()
    if len(title) < 3:
        raise DomainError("title_too_short", "Le titre doit compter au moins 3 caractères.",
                          field="title")
    if len(title) > TITLE_MAX:
        raise DomainError("title_too_long",
                          f"Le titre ne peut dépasser {TITLE_MAX} caractères.", field="title")
    if not SLUG.match(cmd.slug) or len(cmd.slug) > 100:
        raise DomainError("invalid_slug",
                          "L'adresse courte ne peut contenir que des minuscules, des chiffres "
                          "et des tirets.", field="slug")
    if len(cmd.summary) > SUMMARY_MAX:
        raise DomainError("summary_too_long",
                          f"Le résumé ne peut dépasser {SUMMARY_MAX} caractères.",
                          field="summary")
    return [ConsultationCreated(cmd.consultation_id, title, cmd.slug, cmd.summary.strip())]


def evolve(state: Consultation, event: DomainEvent) -> Consultation:
    if isinstance(event, ConsultationCreated):
        return Consultation(event.consultation_id, state.version + 1, event.title, event.slug)
    return state
