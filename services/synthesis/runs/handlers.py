"""Handlers of theme runs: message first, ports as keyword arguments. A request
only appends `ThemeRunRequested`; the job executes it (`execute_theme_run`)
off the request path; edits and publication are decided on the run's read model
once it has applied the run stream as the log holds it (`fresh.at_log_version`,
ADR 0033), and appended with that version as expectation (a concurrent edit gets
a French "reload" refusal, never a lost edit)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from services.consultation.queries import questionnaire
from services.core.clock import Clock
from services.core.errors import ConcurrencyConflict, DomainError
from services.core.events import DomainEvent, Meta
from services.eventlog.port import EventLog, append_to
from services.store.paging import whole_partition
from services.store.port import ReadStore
from services.synthesis.fresh import at_log_version
from services.synthesis.runs import commands as c
from services.synthesis.runs import events as e
from services.synthesis.runs import validation as v
from services.synthesis.runs.corpus import StoreSynthesisSource, SynthesisSource
from services.synthesis.runs.execute import (
    BaseTheme,
    RunResult,
    full_run,
    incremental_run,
    too_few,
)
from services.synthesis.runs.projections import RunsProjection
from services.synthesis.runs.scope import WHOLE, RunScope, select, texts_in
from services.synthesis.runs.tables import (
    MEMBER_OF,
    MEMBERS,
    RUNS,
    THEMES,
    members_partition,
    run_stream,
)

CHUNK = 500
STALE = "La synthèse a changé entre-temps : rechargez la page et recommencez."


async def request_theme_run(cmd: c.RequestThemeRun, *, log: EventLog, store: ReadStore,
                            clock: Clock, meta: Meta,
                            synthesis_source: SynthesisSource | None = None) -> None:
    v.check_run_request(cmd)
    form = None  # reference data: the questionnaire a question scope names
    if cmd.scope.questionnaire_id:
        form = await questionnaire(store, cmd.consultation_id, cmd.scope.questionnaire_id)
    cmd.scope.check([form] if form else [])
    if cmd.mode == "full":  # too few texts said now; the run checks again on its input
        texts = await (synthesis_source or StoreSynthesisSource(store)).texts(
            cmd.consultation_id)
        refused = None if texts is None else too_few(texts_in(cmd.scope, texts), cmd.n_themes)
        if refused:
            raise DomainError("too_few_texts", refused, field="scope")
    base = ""
    if cmd.mode == "incremental":  # an update keeps its base run's scope
        base = await latest_done_run(store, cmd.consultation_id, cmd.scope)
        if not base:
            raise DomainError("no_base_run", "Une mise à jour part d'une analyse terminée : "
                              "lancez d'abord une analyse complète.", field="mode")
    event = e.ThemeRunRequested(cmd.run_id, cmd.consultation_id, cmd.mode, base,
                                cmd.n_themes, cmd.seed, cmd.requested_by, cmd.scope.to_data())
    await _append(log, clock, meta, cmd.run_id, cmd.consultation_id, 0, [event])


async def execute_theme_run(cmd: c.ExecuteThemeRun, *, log: EventLog, store: ReadStore,
                            clock: Clock, meta: Meta,
                            synthesis_source: SynthesisSource | None = None) -> bool:
    """Compute and record the run; False if another executor recorded it first
    (the append expects the stream at version 1: a run is recorded once)."""
    if await log.stream_version(run_stream(cmd.run_id)) != 1:
        return False
    source = synthesis_source or StoreSynthesisSource(store)
    everything = await source.snapshot(cmd.consultation_id)
    events: list[DomainEvent]
    try:
        snapshot = select(everything, cmd.scope)  # CorpusTooOld: a ValueError too
        if cmd.mode == "incremental":
            base = await base_themes(store, cmd.base_run_id)
            result = await asyncio.to_thread(incremental_run, snapshot, base, seed=cmd.seed,
                                             base_run_id=cmd.base_run_id)
        else:
            result = await asyncio.to_thread(full_run, snapshot, n_themes=cmd.n_themes,
                                             seed=cmd.seed)
        events = result_events(cmd, result, snapshot.position, snapshot.digest())
    except (ValueError, MemoryError) as exc:  # too few texts, a corpus too old...
        events = [e.ThemeRunFailed(cmd.run_id, cmd.consultation_id, str(exc)[:500])]
    try:
        await _append(log, clock, meta, cmd.run_id, cmd.consultation_id, 1, events)
    except ConcurrencyConflict:
        return False
    return True


def result_events(cmd: c.ExecuteThemeRun, result: RunResult, position: dict[str, int],
                  digest: str) -> list[DomainEvent]:
    chunks: list[DomainEvent] = []
    for t in result.themes:
        members = result.members.get(t["theme_id"], [])
        for i in range(0, len(members), CHUNK):
            chunks.append(e.ThemeMembersRecorded(cmd.run_id, cmd.consultation_id,
                                                 t["theme_id"], members[i:i + CHUNK]))
    done = e.ThemeRunCompleted(cmd.run_id, cmd.consultation_id, result.parameters, position,
                               digest, result.contributions, result.themes, result.campaigns,
                               len(chunks), cmd.scope.to_data())
    return [done, *chunks]


async def rename_theme(cmd: c.RenameTheme, *, log: EventLog, store: ReadStore, clock: Clock,
                       meta: Meta) -> None:
    run, themes = await _draft(log, store, cmd.consultation_id, cmd.run_id)
    await _edit(log, clock, meta, run, [v.rename(cmd, themes)])


async def merge_themes(cmd: c.MergeThemes, *, log: EventLog, store: ReadStore, clock: Clock,
                       meta: Meta) -> None:
    run, themes = await _draft(log, store, cmd.consultation_id, cmd.run_id)
    await _edit(log, clock, meta, run, [v.merge(cmd, themes)])


async def split_theme(cmd: c.SplitTheme, *, log: EventLog, store: ReadStore, clock: Clock,
                      meta: Meta) -> None:
    run, themes = await _draft(log, store, cmd.consultation_id, cmd.run_id)
    where = await store.get_many(MEMBER_OF, cmd.run_id, list(cmd.contribution_ids))
    event = v.split(cmd, themes, {k: d["part"] for k, d in where.items()})
    await _edit(log, clock, meta, run, [event])


async def mark_verbatim(cmd: c.MarkVerbatim, *, log: EventLog, store: ReadStore, clock: Clock,
                        meta: Meta) -> None:
    run, themes = await _draft(log, store, cmd.consultation_id, cmd.run_id)
    where = await store.get_many(MEMBER_OF, cmd.run_id, [cmd.contribution_id])
    event = v.mark(cmd, themes, {k: d["part"] for k, d in where.items()})
    await _edit(log, clock, meta, run, [event])


async def publish_synthesis(cmd: c.PublishSynthesis, *, log: EventLog, store: ReadStore,
                            clock: Clock, meta: Meta) -> None:
    run, _ = await _draft(log, store, cmd.consultation_id, cmd.run_id)
    event = e.SynthesisPublished(cmd.run_id, cmd.consultation_id, run["version"])
    await _edit(log, clock, meta, run, [event])


async def latest_done_run(store: ReadStore, consultation_id: str,
                          scope: RunScope = WHOLE) -> str:
    runs = [d for _, d in await store.list(RUNS, consultation_id, limit=1000)]
    done = [r for r in runs if r.get("status") == "done"
            and RunScope.from_data(r.get("scope")) == scope]
    return max(done, key=lambda r: (r["completed_at"], r["run_id"]))["run_id"] if done else ""


async def base_themes(store: ReadStore, run_id: str) -> list[BaseTheme]:
    out = []
    for _, t in await store.list(THEMES, run_id, limit=1000):
        members: list[str] = []
        for part in t["parts"]:
            members += [m["id"] for m in await whole_partition(
                store, MEMBERS, members_partition(run_id, part), page_size=1000)]
        out.append(BaseTheme(t["theme_id"], t["label"], t["terms"],
                             t["marked"] or t["verbatims"], sorted(members)))
    return out


async def _draft(log: EventLog, store: ReadStore, cid: str, run_id: str,
                 ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The run and its themes as the log holds them now (its projection caught up
    with the run stream's version, which the edit's append then expects)."""
    version = await at_log_version(log, store, RunsProjection.name, run_stream(run_id))
    run = dict(v.editable(await store.get(RUNS, cid, run_id)))
    run["version"] = version
    themes = {k: d for k, d in await store.list(THEMES, run_id, limit=1000)}
    return run, themes


async def _edit(log: EventLog, clock: Clock, meta: Meta, run: dict[str, Any],
                events: list[DomainEvent]) -> None:
    try:
        await _append(log, clock, meta, run["run_id"], run["consultation_id"], run["version"],
                      events)
    except ConcurrencyConflict:
        raise DomainError("stale", STALE) from None


async def _append(log: EventLog, clock: Clock, meta: Meta, run_id: str, cid: str,
                  version: int, events: list[DomainEvent]) -> None:
    await append_to(log, run_stream(run_id), version, events, clock=clock, meta=meta,
                    consultation_id=cid)


HANDLERS: dict[type, Callable[..., Awaitable[Any]]] = {
    c.RequestThemeRun: request_theme_run, c.ExecuteThemeRun: execute_theme_run,
    c.RenameTheme: rename_theme, c.MergeThemes: merge_themes, c.SplitTheme: split_theme,
    c.MarkVerbatim: mark_verbatim, c.PublishSynthesis: publish_synthesis}
