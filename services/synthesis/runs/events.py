"""Events of theme runs and their validation (schemas in schemas/events/synthesis.*).

Everything about one run lives on one stream, `themerun-<run_id>`: the request
(version 1), the result (2, then one `ThemeMembersRecorded` per chunk of
members), the analysts' edits and the publications. One stream means one order in
every topology, and each edit names the stream version it was decided on.
No personal data: contribution ids and pseudonymous actors only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class ThemeRunRequested(DomainEvent):
    """An analyst (or the schedule) asked for a run; `mode` full | incremental
    (`base_run_id`: the run whose validated themes new contributions join, of the
    same scope). `scope` (ADR 0143): {} or absent, the whole consultation (every
    request logged before scopes); {kind: proposals}; {kind: question,
    questionnaire_id, question_id}: that question's free texts only."""

    TYPE = "synthesis.ThemeRunRequested"
    VERSION = 1

    run_id: str
    consultation_id: str
    mode: str
    base_run_id: str
    n_themes: int
    seed: int
    requested_by: str
    scope: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ThemeRunCompleted(DomainEvent):
    """The run's snapshot: parameters, input position and digest, themes
    (members follow in `ThemeMembersRecorded` chunks), campaigns reported apart;
    `scope` as requested (the digest and position are those of its texts)."""

    TYPE = "synthesis.ThemeRunCompleted"
    VERSION = 1

    run_id: str
    consultation_id: str
    parameters: dict[str, Any]
    input_position: dict[str, int]
    input_digest: str
    contributions: int
    themes: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]
    member_chunks: int
    scope: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ThemeMembersRecorded(DomainEvent):
    """Which contributions a theme holds (a chunk), with their day: the links
    from each theme and each figure to the contributions behind it."""

    TYPE = "synthesis.ThemeMembersRecorded"
    VERSION = 1

    run_id: str
    consultation_id: str
    theme_id: str
    members: list[dict[str, str]]  # {id, day}


@dataclass(frozen=True, slots=True)
class ThemeRunFailed(DomainEvent):
    TYPE = "synthesis.ThemeRunFailed"
    VERSION = 1

    run_id: str
    consultation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ThemeRenamed(DomainEvent):
    TYPE = "synthesis.ThemeRenamed"
    VERSION = 1

    run_id: str
    consultation_id: str
    theme_id: str
    label: str


@dataclass(frozen=True, slots=True)
class ThemesMerged(DomainEvent):
    """`theme_id` joins `into_theme_id` and disappears."""

    TYPE = "synthesis.ThemesMerged"
    VERSION = 1

    run_id: str
    consultation_id: str
    theme_id: str
    into_theme_id: str


@dataclass(frozen=True, slots=True)
class ThemeSplit(DomainEvent):
    """The chosen contributions of `theme_id` leave it for a new theme."""

    TYPE = "synthesis.ThemeSplit"
    VERSION = 1

    run_id: str
    consultation_id: str
    theme_id: str
    new_theme_id: str
    label: str
    contribution_ids: list[str]


@dataclass(frozen=True, slots=True)
class VerbatimMarked(DomainEvent):
    """An analyst marks (or unmarks) a contribution as representative of a theme."""

    TYPE = "synthesis.VerbatimMarked"
    VERSION = 1

    run_id: str
    consultation_id: str
    theme_id: str
    contribution_id: str
    representative: bool


@dataclass(frozen=True, slots=True)
class SynthesisPublished(DomainEvent):
    """Freezes the run's validated themes as of `draft_version` (this stream's
    version just before the publication) as the consultation's public synthesis."""

    TYPE = "synthesis.SynthesisPublished"
    VERSION = 1

    run_id: str
    consultation_id: str
    draft_version: int
