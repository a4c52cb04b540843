"""The consultation aggregate as pure functions: decide(state, command) -> events
and evolve(state, event) -> state. No I/O here."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from services.consultation.commands import (
    CreateConsultation,
    PublishConsultation,
    SchedulePhases,
    ThemeSpec,
    UnpublishConsultation,
    UpdateConsultation,
)
from services.consultation.events import (
    ConsultationCreated,
    ConsultationPublished,
    ConsultationUnpublished,
    ConsultationUpdated,
    PhasesScheduled,
    SlugReserved,
)
from services.consultation.phases import IDENTITY_LEVELS, validate_phases
from services.core.errors import DomainError, Refusals
from services.core.events import DomainEvent
from services.core.values import choice, ident, text
from services.territory import departements, regions

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TITLE_MAX = 200
SUMMARY_MAX = 2000
ORGANISER_MAX = 200
THEMES_MAX = 20
THEME_TITLE_MAX = 120
TERRITORIES_MAX = 50

MODERATION_POLICIES = {"pre": "a priori", "post": "a posteriori"}


@dataclass(frozen=True, slots=True)
class Consultation:
    consultation_id: str
    version: int = 0
    title: str = ""
    slug: str = ""
    published: bool = False
    phases: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.version > 0


def stream_of(consultation_id: str) -> str:
    return f"consultation-{consultation_id}"


def slug_stream(slug: str) -> str:
    return f"consultation-slug-{slug}"


def decide_create(state: Consultation, cmd: CreateConsultation) -> list[DomainEvent]:
    """[SlugReserved, ConsultationCreated]: the handler writes the first on the
    slug's own stream with expect=0, so a taken slug refuses the whole batch.
    Every field is checked, its refusals reported together (ADR 0144)."""
    if state.exists:
        raise DomainError("already_exists", "Cette consultation existe déjà.")
    with Refusals() as refused:
        refused.check(ident, cmd.consultation_id, "consultation_id")
        title = refused.check(_title, cmd.title)
        if not SLUG.match(cmd.slug) or len(cmd.slug) > 100:
            refused.add(DomainError(
                "invalid_slug", "L'adresse courte ne peut contenir que des minuscules, des "
                "chiffres et des tirets.", field="slug"))
        d = _details(refused, cmd.summary, cmd.organiser, cmd.identity_level, cmd.moderation,
                     cmd.themes, cmd.territories)
    assert title is not None  # refused otherwise
    return [SlugReserved(cmd.slug, cmd.consultation_id),
            ConsultationCreated(cmd.consultation_id, title, cmd.slug, **d)]


def decide_update(state: Consultation, cmd: UpdateConsultation) -> list[DomainEvent]:
    _must_exist(state)
    with Refusals() as refused:
        title = refused.check(_title, cmd.title)
        d = _details(refused, cmd.summary, cmd.organiser, cmd.identity_level, cmd.moderation,
                     cmd.themes, cmd.territories)
    assert title is not None  # refused otherwise
    return [ConsultationUpdated(cmd.consultation_id, title, **d)]


def decide_schedule(state: Consultation, cmd: SchedulePhases) -> list[DomainEvent]:
    _must_exist(state)
    return [PhasesScheduled(cmd.consultation_id, validate_phases(cmd.phases))]


def decide_publish(state: Consultation, cmd: PublishConsultation) -> list[DomainEvent]:
    _must_exist(state)
    return [] if state.published else [ConsultationPublished(cmd.consultation_id)]


def decide_unpublish(state: Consultation, cmd: UnpublishConsultation) -> list[DomainEvent]:
    _must_exist(state)
    return [ConsultationUnpublished(cmd.consultation_id)] if state.published else []


def evolve(state: Consultation, event: DomainEvent) -> Consultation:
    state = replace(state, version=state.version + 1)
    if isinstance(event, ConsultationCreated):
        return replace(state, title=event.title, slug=event.slug)
    if isinstance(event, ConsultationUpdated):
        return replace(state, title=event.title)
    if isinstance(event, PhasesScheduled):
        return replace(state, phases=event.phases)
    if isinstance(event, ConsultationPublished):
        return replace(state, published=True)
    if isinstance(event, ConsultationUnpublished):
        return replace(state, published=False)
    return state


def _must_exist(state: Consultation) -> None:
    if not state.exists:
        raise DomainError("not_found", "Cette consultation n'existe pas.",
                          field="consultation_id")


def _title(value: str) -> str:
    return text(value, "title", label="Le titre", max_len=TITLE_MAX, min_len=3)


def _details(refused: Refusals, summary: str, organiser: str, identity_level: str,
             moderation: str, themes: Sequence[ThemeSpec],
             territories: Sequence[str]) -> dict[str, Any]:
    """The details as event data, each field checked in the form's order and its
    refusal gathered in `refused` (the data is only used when nothing was)."""
    summary = refused.check(text, summary, "summary", label="Le résumé",
                            max_len=SUMMARY_MAX) or ""
    organiser = refused.check(text, organiser, "organiser", label="L'organisateur",
                              max_len=ORGANISER_MAX) or ""
    refused.check(choice, identity_level, IDENTITY_LEVELS, "identity_level",
                  label="Le niveau d'identité")
    refused.check(choice, moderation, MODERATION_POLICIES, "moderation", label="La modération")
    theme_docs = []
    if len(themes) > THEMES_MAX:
        refused.add(DomainError("too_many_themes", f"Au plus {THEMES_MAX} thèmes.",
                                field="themes"))
    else:
        for i, t in enumerate(themes):
            refused.check(ident, t.theme_id, f"themes.{i}.theme_id")
            theme_docs.append({"theme_id": t.theme_id, "title": refused.check(
                text, t.title, f"themes.{i}.title", label="Le titre du thème",
                max_len=THEME_TITLE_MAX, min_len=1)})
        if not refused.failed(*(f"themes.{i}.theme_id" for i in range(len(themes)))) and \
                len({t["theme_id"] for t in theme_docs}) != len(theme_docs):
            refused.add(DomainError("duplicate_theme", "Deux thèmes portent le même "
                                    "identifiant.", field="themes"))
    if len(territories) > TERRITORIES_MAX:
        refused.add(DomainError("too_many_territories",
                                f"Au plus {TERRITORIES_MAX} territoires.", field="territories"))
    else:
        for i, code in enumerate(territories):
            if code not in known_territories():
                refused.add(DomainError("unknown_territory",
                                        f"Le territoire « {code} » est inconnu.",
                                        field=f"territories.{i}"))
    return {
        "summary": summary, "organiser": organiser,
        "identity_level": identity_level, "moderation": moderation,
        "themes": theme_docs, "territories": list(dict.fromkeys(territories)),
    }


@functools.cache
def known_territories() -> dict[str, str]:
    """Territory codes a consultation may target: "FR", "R<région>", "<département>"."""
    out = {"FR": "France entière"}
    out.update({f"R{r.code}": r.name for r in regions()})
    out.update({d.code: d.name for d in departements()})
    return out
