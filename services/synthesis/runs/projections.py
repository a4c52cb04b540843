"""The projection `synthesis.runs`: runs, their validated (draft) themes and the
consultation's published syntheses, one per run scope (tables in tables.py). Every event of a run
is on its stream, so edits always meet the result they change; a published run
takes no more edits (the handlers refuse them), so what was published stays."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import StoreTx
from services.store.projection import Projection
from services.synthesis.events import CONVERSATION_EVENTS
from services.synthesis.runs.scope import RunScope
from services.synthesis.runs.tables import (
    ALL,
    MEMBER_OF,
    MEMBERS,
    PENDING,
    PUBLISHED,
    RUNS,
    THEMES,
    member_key,
    members_partition,
    published_key,
)


class RunsProjection(Projection):
    name = "synthesis.runs"
    topics = ("synthesis.events",)
    tables = (RUNS, PENDING, THEMES, MEMBERS, MEMBER_OF, PUBLISHED)
    ignores = CONVERSATION_EVENTS

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if not event.stream.startswith("themerun-"):
            return
        d, kind = event.data, event.type.removeprefix("synthesis.")
        cid, rid = d["consultation_id"], d["run_id"]
        run = await tx.get(RUNS, cid, rid) or {"run_id": rid, "consultation_id": cid}
        at = iso(event.occurred_at)
        if kind == "ThemeRunRequested":
            run.update(mode=d["mode"], base_run_id=d["base_run_id"], n_themes=d["n_themes"],
                       seed=d["seed"], requested_by=d["requested_by"], status="pending",
                       requested_at=at, completed_at="", reason="", contributions=0,
                       campaigns=[], member_chunks=0, chunks_seen=0, published=[],
                       scope=d.get("scope") or {})
            await tx.put(PENDING, ALL, rid, {"run_id": rid, "consultation_id": cid})
        elif kind == "ThemeRunCompleted":
            run.update(status="done", completed_at=at, parameters=d["parameters"],
                       input_position=d["input_position"], input_digest=d["input_digest"],
                       contributions=d["contributions"], campaigns=d["campaigns"],
                       member_chunks=d["member_chunks"],
                       theme_ids=[t["theme_id"] for t in d["themes"]])
            for t in d["themes"]:
                await tx.put(THEMES, rid, t["theme_id"], {
                    **t, "marked": [], "split_from": "", "parts": [t["theme_id"]]})
            await tx.delete(PENDING, ALL, rid)
        elif kind == "ThemeRunFailed":
            run.update(status="failed", completed_at=at, reason=d["reason"])
            await tx.delete(PENDING, ALL, rid)
        elif kind == "ThemeMembersRecorded":
            for m in d["members"]:
                await _put_member(tx, rid, d["theme_id"], m)
            run["chunks_seen"] = run.get("chunks_seen", 0) + 1
        elif kind == "ThemeRenamed":
            await _update_theme(tx, rid, d["theme_id"], label=d["label"])
        elif kind == "VerbatimMarked":
            await _mark(tx, rid, d)
        elif kind == "ThemesMerged":
            await _merge(tx, rid, d["theme_id"], d["into_theme_id"])
            run["theme_ids"] = [t for t in run["theme_ids"] if t != d["theme_id"]]
        elif kind == "ThemeSplit":
            await _split(tx, rid, d)
            run["theme_ids"] = [*run["theme_ids"], d["new_theme_id"]]
        elif kind == "SynthesisPublished":
            await _publish(tx, run, d, at)
        run["version"] = event.stream_version
        await tx.put(RUNS, cid, rid, run)


async def _put_member(tx: StoreTx, rid: str, part: str, m: dict[str, str]) -> None:
    await tx.put(MEMBERS, members_partition(rid, part), member_key(m["day"], m["id"]),
                 {"id": m["id"], "day": m["day"]})
    await tx.put(MEMBER_OF, rid, m["id"], {"part": part, "day": m["day"]})


async def _update_theme(tx: StoreTx, rid: str, theme_id: str, **changes: Any) -> None:
    theme = await tx.get(THEMES, rid, theme_id)
    if theme is not None:
        await tx.put(THEMES, rid, theme_id, {**theme, **changes})


async def _mark(tx: StoreTx, rid: str, d: dict[str, Any]) -> None:
    theme = await tx.get(THEMES, rid, d["theme_id"])
    if theme is None:
        return
    marked = [m for m in theme["marked"] if m != d["contribution_id"]]
    if d["representative"]:
        marked.append(d["contribution_id"])
    await tx.put(THEMES, rid, d["theme_id"], {**theme, "marked": marked})


async def _merge(tx: StoreTx, rid: str, src_id: str, dst_id: str) -> None:
    src, dst = await tx.get(THEMES, rid, src_id), await tx.get(THEMES, rid, dst_id)
    if src is None or dst is None:
        return
    per_day: Counter[str] = Counter(dst["per_day"]) + Counter(src["per_day"])
    await tx.put(THEMES, rid, dst_id, {
        **dst, "size": dst["size"] + src["size"], "per_day": dict(sorted(per_day.items())),
        "parts": dst["parts"] + [p for p in src["parts"] if p not in dst["parts"]],
        "verbatims": dst["verbatims"] + [v for v in src["verbatims"] if v not in dst["verbatims"]],
        "marked": dst["marked"] + [v for v in src["marked"] if v not in dst["marked"]]})
    await tx.delete(THEMES, rid, src_id)


async def _split(tx: StoreTx, rid: str, d: dict[str, Any]) -> None:
    """The chosen members leave their rows for the new theme's own part."""
    src = await tx.get(THEMES, rid, d["theme_id"])
    if src is None:
        return
    new_id = d["new_theme_id"]
    moved: Counter[str] = Counter()
    for doc_id in d["contribution_ids"]:
        where = await tx.get(MEMBER_OF, rid, doc_id)
        if where is None or where["part"] not in src["parts"]:
            continue
        await tx.delete(MEMBERS, members_partition(rid, where["part"]),
                        member_key(where["day"], doc_id))
        await _put_member(tx, rid, new_id, {"id": doc_id, "day": where["day"]})
        moved[where["day"]] += 1
    ids = set(d["contribution_ids"])
    left: Counter[str] = Counter(src["per_day"])
    left.subtract(moved)
    left = +left  # drop the days left empty
    await tx.put(THEMES, rid, d["theme_id"], {
        **src, "size": src["size"] - moved.total(), "per_day": dict(sorted(left.items())),
        "verbatims": [v for v in src["verbatims"] if v not in ids],
        "marked": [v for v in src["marked"] if v not in ids]})
    await tx.put(THEMES, rid, new_id, {
        "theme_id": new_id, "label": d["label"], "terms": [], "size": moved.total(),
        "per_day": dict(sorted(moved.items())), "parts": [new_id],
        "verbatims": [v for v in src["verbatims"] if v in ids],
        "marked": [v for v in src["marked"] if v in ids], "split_from": d["theme_id"]})


async def _publish(tx: StoreTx, run: dict[str, Any], d: dict[str, Any], at: str) -> None:
    """The run's publication replaces the previous one of its scope only. The scope
    is the run's, from its request (version 1 of the same stream, so always applied
    before, on replay too); a run without one is the whole consultation's."""
    cid, rid = run["consultation_id"], run["run_id"]
    key = published_key(RunScope.from_data(run.get("scope")).key)
    before = await tx.get(PUBLISHED, cid, key)
    if before is not None and before["published_at"] > at:
        return  # an older publication delivered late does not replace a newer one
    themes = [t for t in [await tx.get(THEMES, rid, tid) for tid in run.get("theme_ids", [])]
              if t is not None]
    themes.sort(key=lambda t: (-t["size"], t["label"]))
    run["frozen"] = True
    run["published"] = [*run.get("published", []), at]
    await tx.put(PUBLISHED, cid, key, {
        "run_id": rid, "draft_version": d["draft_version"], "published_at": at,
        "publication": (before or {}).get("publication", 0) + 1,
        "contributions": run.get("contributions", 0), "parameters": run.get("parameters", {}),
        "input_position": run.get("input_position", {}),
        "input_digest": run.get("input_digest", ""), "campaigns": run.get("campaigns", []),
        "scope": run.get("scope") or {},
        "themes": themes})
