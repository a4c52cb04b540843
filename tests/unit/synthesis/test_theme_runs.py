"""Theme runs as events, over memory fakes (log, read store, synthesis source):
reproducible runs, incremental runs, analyst edits and their refusals,
publication frozen. Events are validated against their schemas at append."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from services.core.clock import FixedClock
from services.core.envelope import Actor
from services.core.errors import DomainError
from services.core.events import Meta
from services.core.schema_registry import SchemaRegistry
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import read_all
from services.runtime.metrics import Metrics
from services.runtime.validating_log import ValidatingEventLog
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis import fresh
from services.synthesis.runs import commands as c
from services.synthesis.runs import handlers as h
from services.synthesis.runs.corpus import MemorySynthesisSource
from services.synthesis.runs.job import execute_command
from services.synthesis.runs.projections import RunsProjection
from services.synthesis.runs.scope import WHOLE, RunScope
from services.synthesis.runs.tables import (
    MEMBERS,
    PUBLISHED,
    RUNS,
    THEMES,
    members_partition,
    published_key,
)
from services.synthesis.themes.demo_corpus import THEMES as PLANTED
from services.synthesis.themes.demo_corpus import generate

CID = "c1"
ANALYST = Meta(actor=Actor(id="p-ana", role="analyst"))


def docs_of(n: int, seed: int = 3, campaign: int = 0) -> list[dict[str, Any]]:
    corpus = generate(n, seed=seed, campaign_copies=campaign, theme_words=4, shared_words=6)
    return [{"id": x.contribution_id, "contribution_id": x.contribution_id, "kind": "proposal",
             "text": x.text, "day": x.day.isoformat(), "author_id": f"p-{i % 7}",
             "campaign": corpus.campaign_of.get(x.contribution_id, ""),
             "proposal_id": x.contribution_id, "question_id": ""}
            for i, x in enumerate(corpus.contributions)]


class World:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        registry = SchemaRegistry()
        self.log = ValidatingEventLog(MemoryEventLog(key_for=registry.key), registry=registry,
                                      metrics=Metrics(), validate=True)
        self.store = MemoryReadStore()
        self.clock = FixedClock(datetime(2026, 11, 28, 10, tzinfo=UTC))
        self.source = MemorySynthesisSource({CID: docs})
        self.projection = RunsProjection()

    async def project(self) -> None:
        events = [r.event async for r in read_all(self.log, "synthesis.events")]
        await project_batch(self.projection, events, self.store)

    async def send(self, handler: Callable[..., Awaitable[Any]], cmd: object) -> Any:
        out = await handler(cmd, log=self.log, store=self.store, clock=self.clock, meta=ANALYST)
        await self.project()
        return out

    async def run(self, run_id: str, mode: str = "full", seed: int = 7,
                  scope: RunScope = WHOLE) -> dict[str, Any]:
        await self.send(h.request_theme_run, c.RequestThemeRun(
            run_id, CID, "p-ana", mode, n_themes=len(PLANTED), seed=seed, scope=scope))
        requested = await self.log.read("synthesis.events", limit=10_000)
        request = next(r.event for r in requested if r.event.stream == f"themerun-{run_id}")
        done = await h.execute_theme_run(execute_command(request), log=self.log,
                                         store=self.store, clock=self.clock,
                                         meta=Meta(actor=Actor.system()),
                                         synthesis_source=self.source)
        assert done
        await self.project()
        run = await self.store.get(RUNS, CID, run_id)
        assert run is not None and run["status"] == "done", run
        return run

    async def themes(self, run_id: str) -> dict[str, dict[str, Any]]:
        return dict(await self.store.list(THEMES, run_id, limit=100))

    async def members(self, run_id: str, theme: dict[str, Any]) -> set[str]:
        out: set[str] = set()
        for part in theme["parts"]:
            out |= {d["id"] for _, d in await self.store.list(
                MEMBERS, members_partition(run_id, part), limit=10_000)}
        return out


def _payload(events: list[Any]) -> list[tuple[str, Any]]:
    return [(e.type, e.data) for e in events]


async def test_a_run_is_reproducible_from_its_seed_and_input() -> None:
    docs = docs_of(300, campaign=30)
    first, second = World(docs), World(list(reversed(docs)))  # input order does not matter
    await first.run("r1")
    await second.run("r1")
    a = [r.event async for r in read_all(first.log, "synthesis.events")]
    b = [r.event async for r in read_all(second.log, "synthesis.events")]
    assert _payload(a) == _payload(b)
    done = a[1].data
    assert done["parameters"]["seed"] == 7 and done["input_position"] == {"corpus_events": 330}
    assert len(done["input_digest"]) == 64 and done["contributions"] == 330
    assert done["campaigns"] == [{"campaign_id": "campagne-1", "copies": 30,
                                  "representative_id": done["campaigns"][0]["representative_id"],
                                  "theme_id": done["campaigns"][0]["theme_id"]}]
    assert sum(t["size"] for t in done["themes"]) == 301  # the campaign counted once
    for t in done["themes"]:
        assert t["label"] and t["verbatims"] and sum(t["per_day"].values()) == t["size"]
    # another seed is another snapshot, recorded as such
    third = World(docs)
    await third.run("r1", seed=8)
    c3 = [r.event async for r in read_all(third.log, "synthesis.events")][1].data
    assert c3["parameters"]["seed"] == 8 and c3["input_digest"] == done["input_digest"]


async def test_members_link_each_theme_to_its_contributions() -> None:
    w = World(docs_of(300))
    await w.run("r1")
    themes = await w.themes("r1")
    seen: set[str] = set()
    for t in themes.values():
        members = await w.members("r1", t)
        assert len(members) == t["size"] and set(t["verbatims"]) <= members
        assert not members & seen
        seen |= members
    assert seen == {d["id"] for d in w.source.docs[CID]}


async def test_incremental_run_keeps_validated_themes_and_places_new_contributions() -> None:
    docs = docs_of(400, seed=3)
    w = World(docs[:300])
    await w.run("r1")
    themes = await w.themes("r1")
    biggest = max(themes.values(), key=lambda t: t["size"])
    await w.send(h.rename_theme, c.RenameTheme("r1", CID, biggest["theme_id"], "Mon thème"))
    w.source.docs[CID] = docs  # 100 new contributions published since
    run = await w.run("r2", mode="incremental")
    assert run["base_run_id"] == "r1" and run["parameters"]["mode"] == "incremental"
    after = await w.themes("r2")
    assert set(after) == set(themes)
    assert after[biggest["theme_id"]]["label"] == "Mon thème"
    for tid, t in themes.items():
        old = await w.members("r1", t)
        new = await w.members("r2", after[tid])
        assert old <= new  # nobody moved: new contributions only join
    assert sum(t["size"] for t in after.values()) == 400
    # a new text joins the theme holding most of its planted theme's old texts
    planted = generate(400, seed=3, theme_words=4, shared_words=6).theme_of
    votes: dict[int, Counter[str]] = {}
    for tid, t in themes.items():
        for m in await w.members("r1", t):
            votes.setdefault(planted[m], Counter())[tid] += 1
    new = {m: tid for tid, t in after.items() for m in await w.members("r2", t)
           if m not in {d["id"] for d in docs[:300]}}
    right = sum(votes[planted[m]].most_common(1)[0][0] == tid for m, tid in new.items())
    assert len(new) == 100 and right >= 90, right


async def test_rename_merge_split_mark_then_publish_freezes_the_version() -> None:
    w = World(docs_of(300))
    await w.run("r1")
    themes = sorted((await w.themes("r1")).values(), key=lambda t: -t["size"])
    a, b = themes[0], themes[1]
    await w.send(h.rename_theme,
                 c.RenameTheme("r1", CID, a["theme_id"], "  Transports   du quotidien "))
    await w.send(h.merge_themes, c.MergeThemes("r1", CID, b["theme_id"], a["theme_id"]))
    merged = (await w.themes("r1"))[a["theme_id"]]
    assert merged["label"] == "Transports du quotidien"
    assert merged["size"] == a["size"] + b["size"] and b["theme_id"] not in await w.themes("r1")
    members = sorted(await w.members("r1", merged))
    moved = members[:5]
    await w.send(h.split_theme, c.SplitTheme("r1", CID, a["theme_id"], "Vélo", tuple(moved), "s1"))
    after = await w.themes("r1")
    assert after["s1"]["size"] == 5 and after[a["theme_id"]]["size"] == merged["size"] - 5
    assert await w.members("r1", after["s1"]) == set(moved)
    assert not await w.members("r1", after[a["theme_id"]]) & set(moved)
    assert sum(after["s1"]["per_day"].values()) == 5
    await w.send(h.mark_verbatim, c.MarkVerbatim("r1", CID, "s1", moved[0]))
    assert (await w.themes("r1"))["s1"]["marked"] == [moved[0]]
    await w.send(h.publish_synthesis, c.PublishSynthesis("r1", CID))
    published = await w.store.get(PUBLISHED, CID, published_key(""))
    assert published is not None and published["run_id"] == "r1"
    labels = {t["label"] for t in published["themes"]}
    assert {"Transports du quotidien", "Vélo"} <= labels and b["label"] not in labels
    with pytest.raises(DomainError) as frozen:
        await w.send(h.rename_theme, c.RenameTheme("r1", CID, "s1", "Autre"))
    assert frozen.value.code == "run_frozen"
    actors = {r.event.actor.id async for r in read_all(w.log, "synthesis.events")
              if r.event.type in ("synthesis.ThemeRenamed", "synthesis.ThemesMerged",
                                  "synthesis.ThemeSplit", "synthesis.VerbatimMarked")}
    assert actors == {"p-ana"}



async def test_an_edit_right_after_another_waits_for_it_instead_of_refusing_stale(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The second rename is sent before the projection applied the first (ADR 0033):
    it waits for the read model to reach the log's version, then decides on it."""
    w = World(docs_of(300))
    await w.run("r1")
    a, b = sorted((await w.themes("r1")).values(), key=lambda t: -t["size"])[:2]
    edit = {"log": w.log, "store": w.store, "clock": w.clock, "meta": ANALYST}
    await h.rename_theme(c.RenameTheme("r1", CID, a["theme_id"], "Premier nom"), **edit)
    projector = asyncio.get_running_loop().call_later(
        0.2, lambda: asyncio.ensure_future(w.project()))  # the worker, a little behind
    await h.merge_themes(c.MergeThemes("r1", CID, b["theme_id"], a["theme_id"]), **edit)
    projector.cancel()
    await w.project()
    themes = await w.themes("r1")
    assert themes[a["theme_id"]]["label"] == "Premier nom" and b["theme_id"] not in themes

    monkeypatch.setattr(fresh, "CATCH_UP_S", 0.05)
    await h.rename_theme(c.RenameTheme("r1", CID, a["theme_id"], "Deuxième nom"), **edit)
    with pytest.raises(DomainError) as busy:  # never projected: no decision on the past
        await h.rename_theme(c.RenameTheme("r1", CID, a["theme_id"], "Troisième"), **edit)
    assert busy.value.code == "busy" and "réessayez" in busy.value.message


BAD_EDITS = [
    (c.RenameTheme("r1", CID, "t404", "Nom"), "unknown_theme", "n'existe pas"),
    (c.RenameTheme("r1", CID, "t1", "   "), "label_required", "Donnez un nom"),
    (c.MergeThemes("r1", CID, "t1", "t1"), "merge_self", "lui-même"),
    (c.MergeThemes("r1", CID, "t1", "t404"), "unknown_theme", "n'existe pas"),
    (c.SplitTheme("r1", CID, "t1", "Nom", (), "s9"), "split_empty", "au moins une"),
    (c.SplitTheme("r1", CID, "t1", "", ("x",), "s9"), "label_required", "Donnez un nom"),
    (c.SplitTheme("r1", CID, "t1", "Nom", ("inconnue",), "s9"), "split_foreign", "ne font pas"),
    (c.MarkVerbatim("r1", CID, "t1", "inconnue"), "verbatim_foreign", "ne fait pas partie"),
    (c.RenameTheme("r404", CID, "t1", "Nom"), "unknown_run", "n'existe pas"),
]


async def test_bad_edits_are_refused_in_french_and_nothing_is_stored() -> None:
    w = World(docs_of(120))
    await w.run("r1")
    before = [r async for r in read_all(w.log, "synthesis.events")]
    handlers = {c.RenameTheme: h.rename_theme, c.MergeThemes: h.merge_themes,
                c.SplitTheme: h.split_theme, c.MarkVerbatim: h.mark_verbatim}
    for command, code, words in BAD_EDITS:
        with pytest.raises(DomainError) as refused:
            await w.send(handlers[type(command)], command)
        assert refused.value.code == code and words in refused.value.message, command
    assert [r async for r in read_all(w.log, "synthesis.events")] == before


async def test_two_themes_of_an_analysis_never_share_a_name() -> None:
    """Renamed like another (accents and case aside), a theme could not be told
    from it in the merge list nor in the published synthesis."""
    w = World(docs_of(120))
    await w.run("r1")
    first, second = sorted((await w.themes("r1")).values(), key=lambda t: t["theme_id"])[:2]
    await w.send(h.rename_theme, c.RenameTheme("r1", CID, second["theme_id"], "Santé publique"))
    for command in (c.RenameTheme("r1", CID, first["theme_id"], "SANTE  publique"),
                    c.SplitTheme("r1", CID, first["theme_id"], "santé publique",
                                 tuple(sorted(await w.members("r1", first))[:1]), "s9")):
        with pytest.raises(DomainError) as refused:
            await w.send(h.rename_theme if isinstance(command, c.RenameTheme)
                         else h.split_theme, command)
        assert refused.value.code == "label_taken" and "fusionnez" in refused.value.message
    # its own name again, differently written: not another theme's
    await w.send(h.rename_theme, c.RenameTheme("r1", CID, second["theme_id"], "Santé Publique"))


async def test_request_refusals() -> None:
    w = World(docs_of(50))
    with pytest.raises(DomainError, match="analyse complète"):
        await w.send(h.request_theme_run, c.RequestThemeRun("r1", CID, "p", "incremental"))
    with pytest.raises(DomainError, match="entre 2 et 50"):
        await w.send(h.request_theme_run, c.RequestThemeRun("r1", CID, "p", n_themes=1))
    assert [r async for r in read_all(w.log, "synthesis.events")] == []


async def test_publication_is_per_scope_each_replaced_by_its_own_only() -> None:
    """ADR 0143 amended: the whole consultation's synthesis and a scope's stand side
    by side; publishing a run replaces the previous publication of its scope only."""
    w = World(docs_of(300))
    proposals = RunScope.proposals()
    await w.run("r1")
    await w.run("r2", scope=proposals)
    await w.send(h.publish_synthesis, c.PublishSynthesis("r1", CID))
    await w.send(h.publish_synthesis, c.PublishSynthesis("r2", CID))

    async def shown() -> dict[str, tuple[str, int]]:
        return {k: (d["run_id"], d["publication"])
                for k, d in await w.store.list(PUBLISHED, CID, limit=100)}
    assert await shown() == {"consultation": ("r1", 1), "propositions": ("r2", 1)}
    whole = await w.store.get(PUBLISHED, CID, published_key(""))
    scoped = await w.store.get(PUBLISHED, CID, published_key("propositions"))
    assert whole is not None and whole["scope"] == {}
    assert scoped is not None and scoped["scope"] == {"kind": "proposals"}
    await w.run("r3", seed=8)
    await w.send(h.publish_synthesis, c.PublishSynthesis("r3", CID))
    assert await shown() == {"consultation": ("r3", 2), "propositions": ("r2", 1)}
    await w.run("r4", scope=proposals, seed=9)
    await w.send(h.publish_synthesis, c.PublishSynthesis("r4", CID))
    assert await shown() == {"consultation": ("r3", 2), "propositions": ("r4", 2)}
    # a replay from the log gives the same publications
    again = MemoryReadStore()
    await project_batch(RunsProjection(), [r.event async for r in read_all(
        w.log, "synthesis.events")], again)
    assert await again.list(PUBLISHED, CID, limit=100) == \
        await w.store.list(PUBLISHED, CID, limit=100)


async def test_a_run_projected_before_scopes_publishes_the_whole_consultation() -> None:
    """A run row without `scope` (projected before 2026-12-08) and a request logged
    without one are the whole consultation's: their publication is the whole's."""
    w = World(docs_of(300))
    await w.run("r1")
    request = (await w.log.read("synthesis.events", limit=10))[0].event
    assert not request.data.get("scope")  # logged as before scopes: {} or absent
    run = await w.store.get(RUNS, CID, "r1")
    assert run is not None
    del run["scope"]
    async with w.store.transaction() as tx:
        await tx.put(RUNS, CID, "r1", run)
    await w.send(h.publish_synthesis, c.PublishSynthesis("r1", CID))
    assert [k for k, _ in await w.store.list(PUBLISHED, CID, limit=100)] == ["consultation"]
