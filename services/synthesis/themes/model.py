"""Inputs and outputs of a theme synthesis run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Contribution:
    contribution_id: str
    text: str
    day: date


@dataclass(frozen=True, slots=True)
class RunParameters:
    """Everything that decides the output: same parameters + same input = same run."""

    n_themes: int = 8
    seed: int = 0
    n_features: int = 2**18
    label_terms: int = 3
    verbatims: int = 3
    batch_size: int = 4096
    log_position: dict[str, int] = field(default_factory=dict)  # input position in the log


@dataclass(frozen=True, slots=True)
class Theme:
    theme_id: int
    label: str
    terms: list[str]  # representative words (unstemmed), best first
    size: int  # contributions, a campaign counted once
    verbatims: list[str]  # contribution ids closest to the centre
    per_day: dict[str, int]  # ISO day -> contributions
    contribution_ids: list[str]


@dataclass(frozen=True, slots=True)
class CampaignReport:
    campaign_id: str
    copies: int
    representative_id: str
    theme_id: int


@dataclass(frozen=True, slots=True)
class ThemeRun:
    parameters: RunParameters
    contributions: int
    themes: list[Theme]
    campaigns: list[CampaignReport]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
