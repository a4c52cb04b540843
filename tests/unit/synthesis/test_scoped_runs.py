"""Theme runs scoped to a question (ADR 0143), over memory fakes: the request
carries its scope (validated against the consultation's questionnaires), the run
clusters only that scope's texts, an update keeps its base run's scope, too few
texts or a corpus from before scopes fail in French, and a request logged before
scopes still means the whole consultation. Too few texts in its scope for a full
run are refused on the request (the scope's count, `SynthesisSource.texts`), and
still fail the run when the corpus shrank since. Events validated at append."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from services.consultation.queries import QUESTIONNAIRES
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
from services.synthesis.runs import commands as c
from services.synthesis.runs import handlers as h
from services.synthesis.runs.corpus import MemorySynthesisSource
from services.synthesis.runs.execute import TOO_FEW
from services.synthesis.runs.job import execute_command
from services.synthesis.runs.projections import RunsProjection
from services.synthesis.runs.scope import RunScope
from services.synthesis.runs.tables import MEMBER_OF, RUNS
from services.synthesis.themes.demo_corpus import generate

CID = "c1"
ANALYST = Meta(actor=Actor(id="p-ana", role="analyst"))
TAXES = RunScope.question("fiscalite", "impots")
FORMS = [
    {"questionnaire_id": "fiscalite", "title": "La fiscalité", "questions": [
        {"question_id": "impots", "kind": "open", "text": "Quels impôts baisser ?",
         "allow_other": False},
        {"question_id": "age", "kind": "single", "text": "Votre âge", "allow_other": False}]},
    {"questionnaire_id": "democratie", "title": "La démocratie", "questions": [
        {"question_id": "impots", "kind": "open", "text": "Et la démocratie ?",
         "allow_other": False}]}]


def docs(n: int, seed: int, kind: str, questionnaire: str = "",
         question: str = "") -> list[dict[str, Any]]:
    out = []
    for x in generate(n, seed=seed, theme_words=4, shared_words=6).contributions:
        cid = f"{kind}-{questionnaire}-{seed}-{x.contribution_id}"
        out.append({"id": f"{cid}~{question}" if question else cid, "contribution_id": cid,
                    "kind": kind, "text": x.text, "day": x.day.isoformat(), "author_id": "p",
                    "campaign": "", "proposal_id": cid if kind == "proposal" else "",
                    "questionnaire_id": questionnaire, "question_id": question})
    return out


TAX_ANSWERS = docs(120, 3, "answer", "fiscalite", "impots")
DEMOCRACY_ANSWERS = docs(60, 4, "answer", "democratie", "impots")  # same question id
PROPOSALS = docs(60, 5, "proposal")


class World:
    def __init__(self, corpus: list[dict[str, Any]]) -> None:
        registry = SchemaRegistry()
        self.log = ValidatingEventLog(MemoryEventLog(key_for=registry.key), registry=registry,
                                      metrics=Metrics(), validate=True)
        self.store = MemoryReadStore()
        self.clock = FixedClock(datetime(2026, 12, 8, 10, tzinfo=UTC))
        self.source = MemorySynthesisSource({CID: corpus})

    async def setup(self) -> None:
        async with self.store.transaction() as tx:
            for form in FORMS:
                await tx.put(QUESTIONNAIRES, CID, form["questionnaire_id"], form)

    async def project(self) -> None:
        events = [r.event async for r in read_all(self.log, "synthesis.events")]
        await project_batch(RunsProjection(), events, self.store)

    async def events(self, run_id: str) -> list[Any]:
        return [r.event async for r in read_all(self.log, "synthesis.events")
                if r.event.stream == f"themerun-{run_id}"]

    async def request(self, run_id: str, scope: RunScope, mode: str = "full",
                      n_themes: int = 3) -> None:
        await h.request_theme_run(c.RequestThemeRun(run_id, CID, "p-ana", mode, n_themes, 7,
                                                    scope=scope),
                                  log=self.log, store=self.store, clock=self.clock, meta=ANALYST,
                                  synthesis_source=self.source)
        await self.project()

    async def execute(self, run_id: str) -> dict[str, Any]:
        request = (await self.events(run_id))[0]
        assert await h.execute_theme_run(execute_command(request), log=self.log,
                                         store=self.store, clock=self.clock,
                                         meta=Meta(actor=Actor.system()),
                                         synthesis_source=self.source)
        await self.project()
        run = await self.store.get(RUNS, CID, run_id)
        assert run is not None
        return run

    async def members(self, run_id: str) -> set[str]:
        return {k for k, _ in await self.store.list(MEMBER_OF, run_id, limit=10_000)}


async def test_a_run_scoped_to_a_question_themes_only_its_answers() -> None:
    w = World(TAX_ANSWERS + DEMOCRACY_ANSWERS + PROPOSALS)
    await w.setup()
    await w.request("r1", TAXES)
    requested = (await w.events("r1"))[0]
    assert requested.data["scope"] == TAXES.to_data()
    run = await w.execute("r1")
    assert run["status"] == "done" and run["scope"] == TAXES.to_data()
    assert run["contributions"] == 120
    assert await w.members("r1") == {d["id"] for d in TAX_ANSWERS}
    completed = (await w.events("r1"))[1]
    assert completed.data["scope"] == TAXES.to_data()
    assert completed.data["input_position"]["scope_texts"] == 120


async def test_two_scopes_over_the_same_texts_do_not_share_a_result() -> None:
    w = World(PROPOSALS)
    await w.setup()
    await w.request("whole", RunScope())
    await w.request("props", RunScope.proposals())
    whole, props = await w.execute("whole"), await w.execute("props")
    assert whole["contributions"] == props["contributions"] == 60
    assert whole["input_digest"] != props["input_digest"]
    assert whole["scope"] == {} and props["scope"] == {"kind": "proposals"}


async def test_an_update_keeps_its_base_runs_scope() -> None:
    w = World(TAX_ANSWERS[:100] + PROPOSALS)
    await w.setup()
    await w.request("taxes", TAXES)
    await w.execute("taxes")
    await w.request("whole", RunScope())  # the consultation's latest run: not the base
    await w.execute("whole")
    w.source.docs[CID] = TAX_ANSWERS + PROPOSALS  # 20 new answers published since
    await w.request("update", TAXES, mode="incremental")
    requested = (await w.events("update"))[0].data
    assert requested["base_run_id"] == "taxes" and requested["scope"] == TAXES.to_data()
    run = await w.execute("update")
    assert await w.members("update") == {d["id"] for d in TAX_ANSWERS}
    assert run["scope"] == TAXES.to_data()
    # a scope never analysed in full has nothing to update
    with pytest.raises(DomainError, match="analyse complète"):
        await w.request("x", RunScope.proposals(), mode="incremental")


async def test_a_scope_naming_no_free_text_question_is_refused_on_the_field() -> None:
    w = World(TAX_ANSWERS)
    await w.setup()
    for scope in (RunScope.question("fiscalite", "age"), RunScope.question("fiscalite", "x"),
                  RunScope.question("inconnu", "impots")):
        with pytest.raises(DomainError) as refused:
            await w.request("r1", scope)
        assert refused.value.field == "scope" and "question" in refused.value.message
    assert [r async for r in read_all(w.log, "synthesis.events")] == []


async def test_too_few_texts_in_the_scope_are_refused_on_the_request() -> None:
    w = World(TAX_ANSWERS[:2] + PROPOSALS)
    await w.setup()
    with pytest.raises(DomainError) as refused:
        await w.request("r1", TAXES, n_themes=3)
    assert refused.value.field == "scope" and refused.value.code == "too_few_texts"
    assert refused.value.message == TOO_FEW.format(n=2, k=3)  # the job's own words
    await w.request("r2", TAXES, n_themes=2)  # one text a theme: enough
    await w.request("r3", RunScope(), n_themes=50)  # 62 texts in the whole consultation
    with pytest.raises(DomainError, match="Trop peu de textes"):
        await w.request("r4", RunScope.question("democratie", "impots"), n_themes=2)
    assert {e.stream for e in [r.event async for r in read_all(w.log, "synthesis.events")]} \
        == {"themerun-r2", "themerun-r3"}


async def test_an_update_is_not_refused_on_the_count() -> None:
    # an update sorts the new texts into its base's themes: no theme count to reach
    w = World(TAX_ANSWERS + PROPOSALS)
    await w.setup()
    await w.request("taxes", TAXES, n_themes=3)
    await w.execute("taxes")
    w.source.docs[CID] = TAX_ANSWERS[:2] + PROPOSALS
    await w.request("update", TAXES, mode="incremental", n_themes=3)
    assert (await w.execute("update"))["status"] == "done"


async def test_a_corpus_that_cannot_count_leaves_the_refusal_to_the_run() -> None:
    w = World(TAX_ANSWERS[:2] + PROPOSALS)
    await w.setup()
    await h.request_theme_run(c.RequestThemeRun("r1", CID, "p-ana", "full", 3, 7, TAXES),
                              log=w.log, store=w.store, clock=w.clock, meta=ANALYST)
    await w.project()  # the store's corpus has no counts (built before them): accepted
    assert (await w.execute("r1"))["status"] == "failed"


async def test_too_few_texts_in_the_scope_fail_in_french() -> None:
    # the count said enough on the request; texts were hidden before the run executed
    w = World(TAX_ANSWERS[:3] + PROPOSALS)
    await w.setup()
    await w.request("r1", TAXES, n_themes=3)
    w.source.docs[CID] = TAX_ANSWERS[:2] + PROPOSALS
    run = await w.execute("r1")
    assert run["status"] == "failed"
    assert "Trop peu de textes" in run["reason"] and "2" in run["reason"]


async def test_a_corpus_from_before_scopes_fails_the_question_run_clearly() -> None:
    old = [{k: v for k, v in d.items() if k != "questionnaire_id"}
           for d in TAX_ANSWERS + DEMOCRACY_ANSWERS]
    w = World(old)
    await w.setup()
    await w.request("r1", TAXES)
    run = await w.execute("r1")
    assert run["status"] == "failed" and "parlons replay synthesis.corpus" in run["reason"]


async def test_a_request_logged_before_scopes_means_the_whole_consultation() -> None:
    w = World(PROPOSALS)
    await w.setup()
    await w.request("r1", RunScope())
    request = (await w.events("r1"))[0]
    assert "scope" not in request.data or request.data["scope"] == {}
    legacy = {k: v for k, v in request.data.items() if k != "scope"}
    assert execute_command(dataclasses.replace(request, data=legacy)).scope == RunScope()
