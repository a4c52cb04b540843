"""Events of opinion groups (schemas in schemas/events/synthesis.*)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class OpinionGroupsPublished(DomainEvent):
    """The opinion groups of a consultation as published (stream
    `opiniongroups-<consultation_id>`, one version per publication; the latest is
    shown): counts, each group's size and representative statements, the
    consensus statements and the map's points. Statement texts are copied so the
    public page reads one document; no participant id is in it."""

    TYPE = "synthesis.OpinionGroupsPublished"
    VERSION = 1

    consultation_id: str
    participants: int  # grouped
    ungrouped: int  # too few votes: on the map, in no group
    statements: int
    groups: list[dict[str, Any]]  # {size, representative: [statement...]}
    consensus: list[dict[str, Any]]  # statements
    points: list[list[float]]  # [x, y, group] in map pixels, group -1: none
    # voted only on statements left out of the groups (absent before 2026-12-08: 0)
    set_aside: int = 0
