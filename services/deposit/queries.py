"""The deposit service's query port: what other services may read of it. A
contribution's history is read from the log (ADR 0030: moderation decides on the
truth of the contribution it moderates, not on a lagging read model); the
contributions read model serves pages and lists."""

from __future__ import annotations

from services.core.envelope import Envelope
from services.deposit.model import KIND_OF, contribution_of, contribution_stream
from services.deposit.projections import BY_AUTHOR, CONTRIBUTIONS, RESPONSES
from services.deposit.responses import with_answers
from services.eventlog.port import EventLog
from services.store.paging import whole_partition
from services.store.port import Doc, ReadStore

__all__ = ["BY_AUTHOR", "CONTRIBUTIONS", "KIND_OF", "contribution_of", "contribution_stream",
           "contributions_by", "has_responses", "history", "with_answers"]


async def history(log: EventLog, contribution_id: str) -> list[Envelope]:
    """The contribution's events (submission, edits, withdrawal) in order."""
    return await log.read_stream(contribution_stream(contribution_id))


async def contributions_by(store: ReadStore, participant_id: str) -> list[Doc]:
    """Everything this participant deposited (proposals, arguments, comments,
    answers), withdrawn ones included: the personal-data export's share. A
    response comes with its questionnaire's title and its answers in words."""
    return await with_answers(store, await whole_partition(store, BY_AUTHOR, participant_id))


async def has_responses(store: ReadStore, questionnaire_id: str) -> bool:
    """Someone answered this questionnaire (a response withdrawn since counts: its
    answers were recorded, ADR 0137)."""
    return bool(await store.list(RESPONSES, questionnaire_id, limit=1))
