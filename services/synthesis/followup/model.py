"""Follow-up statuses and the pure checks of its commands (French refusals)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.core.errors import DomainError

STATUSES = {"under_review": "À l'étude", "adopted": "Adoptée", "in_progress": "En cours",
            "rejected": "Rejetée", "done": "Réalisée"}  # "in_progress": a budget's projects
MAX_TITLE, MAX_BODY, MAX_NOTE = 200, 10_000, 2_000


@dataclass(frozen=True, slots=True)
class PublishResponse:
    response_id: str
    consultation_id: str
    title: str
    body: str
    status: str
    theme_ids: tuple[str, ...] = ()
    proposal_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeResponseStatus:
    response_id: str
    consultation_id: str
    status: str
    note: str = ""


def status(raw: str) -> str:
    if raw not in STATUSES:
        raise DomainError("bad_status", "Choisissez un statut : " + ", ".join(
            f"« {v} »" for v in STATUSES.values()) + ".", field="status")
    return raw


def text(raw: str, *, field: str, limit: int, required: bool, what: str) -> str:
    value = raw.strip()
    if required and not value:
        raise DomainError(f"{field}_required", f"Indiquez {what}.", field=field)
    if len(value) > limit:
        raise DomainError(f"{field}_too_long", f"{what.capitalize()} ne doit pas dépasser "
                          f"{limit} caractères.", field=field)
    return value


def links(cmd: PublishResponse, themes: Collection[str], proposals: Collection[str]) -> None:
    if not cmd.theme_ids and not cmd.proposal_ids:
        raise DomainError("links_required", "Reliez la réponse à au moins un thème ou une "
                          "proposition.", field="theme_ids")
    if any(t not in themes for t in cmd.theme_ids):
        raise DomainError("unknown_theme", "Ce thème n'existe pas dans la synthèse publiée.",
                          field="theme_ids")
    if any(p not in proposals for p in cmd.proposal_ids):
        raise DomainError("unknown_proposal", "Cette proposition n'est pas publiée.",
                          field="proposal_ids")
