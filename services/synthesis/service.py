"""What the synthesis service contributes to the composition root, as two
deployable parts:

- `synthesis_stats`: closed-question statistics and the open-data publication
  settings (ADR 0025);
- `synthesis_themes`: the published corpus, theme runs (with the process manager
  that executes them), validation, publication and the follow-up (ADR 0026);
  imported conversations and opinion groups (ADR 0064).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.core.process import ProcessManager
from services.store.projection import Projection
from services.synthesis.conversations.handlers import HANDLERS as GROUPS_HANDLERS
from services.synthesis.conversations.projection import OpinionGroupsProjection
from services.synthesis.followup.handlers import HANDLERS as FOLLOWUP_HANDLERS
from services.synthesis.followup.projections import FollowUpProjection
from services.synthesis.opendata.settings import (
    OpenDataSettingsProjection,
    SetOpenDataPublication,
    set_opendata_publication,
)
from services.synthesis.runs.corpus import CorpusProjection
from services.synthesis.runs.handlers import HANDLERS as RUN_HANDLERS
from services.synthesis.runs.job import RunJob
from services.synthesis.runs.projections import RunsProjection
from services.synthesis.stats.projection import ClosedStatsProjection

Handler = Callable[..., Awaitable[Any]]

STATS_PROJECTIONS: tuple[Callable[..., Projection], ...] = (ClosedStatsProjection,
                                                            OpenDataSettingsProjection)
STATS_HANDLERS: dict[type, Handler] = {SetOpenDataPublication: set_opendata_publication}

THEMES_PROJECTIONS: tuple[Callable[..., Projection], ...] = (
    CorpusProjection, RunsProjection, FollowUpProjection, OpinionGroupsProjection)
THEMES_PROCESSES: tuple[Callable[..., ProcessManager], ...] = (RunJob,)
THEMES_HANDLERS: dict[type, Handler] = {**RUN_HANDLERS, **FOLLOWUP_HANDLERS, **GROUPS_HANDLERS}
