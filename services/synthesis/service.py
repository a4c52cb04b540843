"""What the synthesis service contributes to the composition root, as two
deployable parts:

- `synthesis_stats`: closed-question statistics and the open-data publication
  settings (ADR 0025); a consultation's participation figures (ADR 0142);
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
from services.synthesis.conversations.handlers import (
    ImportConversation,
    PublishOpinionGroups,
    groups_stream,
)
from services.synthesis.conversations.opinions_model import OpinionsProjection
from services.synthesis.conversations.projection import OpinionGroupsProjection
from services.synthesis.followup import model as fm
from services.synthesis.followup.handlers import HANDLERS as FOLLOWUP_HANDLERS
from services.synthesis.followup.projections import FollowUpProjection
from services.synthesis.followup.tables import stream_of as followup_stream
from services.synthesis.opendata.settings import (
    OpenDataSettingsProjection,
    SetOpenDataPublication,
    set_opendata_publication,
)
from services.synthesis.participation.projection import ParticipationProjection
from services.synthesis.polis.importer import conversation_stream
from services.synthesis.runs import commands as rc
from services.synthesis.runs.corpus import CorpusProjection
from services.synthesis.runs.handlers import HANDLERS as RUN_HANDLERS
from services.synthesis.runs.job import RunJob
from services.synthesis.runs.projections import RunsProjection
from services.synthesis.runs.tables import run_stream
from services.synthesis.stats.projection import ClosedStatsProjection

Handler = Callable[..., Awaitable[Any]]

STATS_PROJECTIONS: tuple[Callable[..., Projection], ...] = (
    ClosedStatsProjection, OpenDataSettingsProjection, ParticipationProjection)
STATS_HANDLERS: dict[type, Handler] = {SetOpenDataPublication: set_opendata_publication}

THEMES_PROJECTIONS: tuple[Callable[..., Projection], ...] = (
    CorpusProjection, RunsProjection, FollowUpProjection, OpinionGroupsProjection,
    OpinionsProjection)
THEMES_PROCESSES: tuple[Callable[..., ProcessManager], ...] = (RunJob,)
THEMES_HANDLERS: dict[type, Handler] = {**RUN_HANDLERS, **FOLLOWUP_HANDLERS, **GROUPS_HANDLERS}


def _by_opendata(command: SetOpenDataPublication) -> str:
    return f"opendata-{command.consultation_id}"


def _by_run(command: Any) -> str:
    return run_stream(command.run_id)


def _by_response(command: Any) -> str:
    return followup_stream(command.response_id)


def _by_conversation(command: ImportConversation) -> str:
    return conversation_stream(command.consultation_id)


def _by_groups(command: PublishOpinionGroups) -> str:
    return groups_stream(command.consultation_id)


# Sent to the replicas of each part in the distributed topology (ADR 0078), on
# `synthesis_stats.commands` and `synthesis_themes.commands`, keyed as
# synthesis.events keys their events (by stream): each by the stream it decides.
STATS_ROUTED: dict[type, Callable[[Any], str]] = {SetOpenDataPublication: _by_opendata}
# A conversation's import by its conversation's stream (the contested decision,
# ADR 0081; its files come through the blob store), the opinion groups'
# publication by theirs. Not routed: `ExecuteThemeRun` (the run job's, in the
# themes worker holding the run's lease, ADR 0081).
THEMES_ROUTED: dict[type, Callable[[Any], str]] = {
    **{kind: _by_run for kind in (
        rc.RequestThemeRun, rc.RenameTheme, rc.MergeThemes, rc.SplitTheme, rc.MarkVerbatim,
        rc.PublishSynthesis)},
    fm.PublishResponse: _by_response, fm.ChangeResponseStatus: _by_response,
    ImportConversation: _by_conversation, PublishOpinionGroups: _by_groups,
}
# Keyed otherwise than some events it writes: an import also writes a stream per
# statement and per participant's opinion, named by the consultation and written
# by nobody else.
THEMES_NOT_CO_PARTITIONED: frozenset[type] = frozenset({ImportConversation})
# An import outlasts its front's wait (« L'import continue »): a replica still starts
# it within the hour, restarting, loading its log first, or busy with another
# import. The same files make the same import: started late, it finishes it.
THEMES_ROUTED_START_WITHIN: dict[type, float] = {ImportConversation: 3600.0}
# A run's edits are decided on the run's stream, which the run job appends to from
# whichever themes worker executed it: read to its end first. The opinion groups
# are computed on every opinion of the consultation: the imported ones
# (synthesis.events) and its agree/disagree ballots (vote.events).
THEMES_ROUTED_READS: dict[type, tuple[str, ...]] = {
    **{kind: ("synthesis.events",) for kind in THEMES_ROUTED},
    PublishOpinionGroups: ("synthesis.events", "vote.events")}
