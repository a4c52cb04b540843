"""The synthesis service as the composition root sees it: the published corpus,
theme runs (with the job that executes them), validation, publication and the
follow-up (ADR 0026)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.core.projection import Projection
from services.synthesis.followup.handlers import HANDLERS as FOLLOWUP_HANDLERS
from services.synthesis.followup.projections import FollowUpProjection
from services.synthesis.runs.corpus import CorpusProjection
from services.synthesis.runs.handlers import HANDLERS as RUN_HANDLERS
from services.synthesis.runs.job import RunJob
from services.synthesis.runs.projections import RunsProjection

PROJECTIONS: tuple[Callable[..., Projection], ...] = (
    CorpusProjection, RunsProjection, RunJob, FollowUpProjection)
HANDLERS: dict[type, Callable[..., Awaitable[Any]]] = {**RUN_HANDLERS, **FOLLOWUP_HANDLERS}
