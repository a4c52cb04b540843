"""Commands of theme runs and their validation (imperative, French refusals)."""

from __future__ import annotations

from dataclasses import dataclass

from services.synthesis.runs.scope import WHOLE, RunScope


@dataclass(frozen=True, slots=True)
class RequestThemeRun:
    """mode "full" (n_themes, seed) or "incremental" (on the latest completed run
    of the same scope); `scope`: what the run clusters (ADR 0143)."""

    run_id: str
    consultation_id: str
    requested_by: str
    mode: str = "full"
    n_themes: int = 8
    seed: int = 0
    scope: RunScope = WHOLE

@dataclass(frozen=True, slots=True)
class ExecuteThemeRun:
    """Run by the job, never on an HTTP request (fields copied from the request)."""

    run_id: str
    consultation_id: str
    mode: str
    base_run_id: str
    n_themes: int
    seed: int
    scope: RunScope = WHOLE


@dataclass(frozen=True, slots=True)
class RenameTheme:
    run_id: str
    consultation_id: str
    theme_id: str
    label: str


@dataclass(frozen=True, slots=True)
class MergeThemes:
    run_id: str
    consultation_id: str
    theme_id: str
    into_theme_id: str


@dataclass(frozen=True, slots=True)
class SplitTheme:
    run_id: str
    consultation_id: str
    theme_id: str
    label: str
    contribution_ids: tuple[str, ...]
    new_theme_id: str


@dataclass(frozen=True, slots=True)
class MarkVerbatim:
    run_id: str
    consultation_id: str
    theme_id: str
    contribution_id: str
    representative: bool = True


@dataclass(frozen=True, slots=True)
class PublishSynthesis:
    run_id: str
    consultation_id: str
