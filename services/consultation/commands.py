"""Commands the consultation service accepts (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CreateConsultation:
    consultation_id: str
    title: str
    slug: str
    summary: str = ""
