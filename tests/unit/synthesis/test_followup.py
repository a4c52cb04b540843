"""Follow-up over memory fakes: a response linked to a published theme notifies
the contributors behind it (in-app notices and the e-mail digest through the
outbox, the address read from the vault at send time), its status history, and
French refusals with nothing stored. Plus the run job and the schedule."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.core.envelope import Actor
from services.core.errors import DomainError, NotFound
from services.core.events import Meta
from services.eventlog.port import read_all
from services.identity.mailer import OutboxMailer, VaultMail
from services.identity.memory import MemoryOutbox, MemoryVault
from services.store.projection import project_batch
from services.synthesis.followup import handlers as fh
from services.synthesis.followup import model as fm
from services.synthesis.followup.digest import send_digests
from services.synthesis.followup.projections import FollowUpProjection
from services.synthesis.followup.tables import DIGESTS, NOTICES, RESPONSES
from services.synthesis.runs import commands as c
from services.synthesis.runs import handlers as h
from services.synthesis.runs.corpus import CORPUS, POSITION
from services.synthesis.runs.job import RunJob, request_scheduled_runs, run_pending
from services.synthesis.runs.tables import RUNS

from .test_theme_runs import CID, World, docs_of

ORGA = Meta(actor=Actor(id="p-orga", role="organiser"))


class FollowWorld(World):
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        super().__init__(docs)
        self.followup = FollowUpProjection()

    async def project(self) -> None:
        await super().project()
        events = [r.event async for r in read_all(self.log, "synthesis.events")]
        await project_batch(self.followup, events, self.store)

    async def respond(self, handler: Any, cmd: object) -> None:
        await handler(cmd, log=self.log, store=self.store, clock=self.clock, meta=ORGA)
        await self.project()


async def published_world() -> tuple[FollowWorld, dict[str, Any]]:
    docs = docs_of(150)
    w = FollowWorld(docs)
    async with w.store.transaction() as tx:  # the corpus read model, as deposit fills it
        for d in docs:
            await tx.put(CORPUS, CID, d["id"], d)
    await w.run("r1")
    await w.send(h.publish_synthesis, c.PublishSynthesis("r1", CID))
    themes = await w.themes("r1")
    return w, max(themes.values(), key=lambda t: t["size"])


async def test_a_response_notifies_the_contributors_of_its_theme_in_app_and_by_digest() -> None:
    w, theme = await published_world()
    members = await w.members("r1", theme)
    authors = {d["author_id"] for d in w.source.docs[CID] if d["id"] in members}
    others = {d["author_id"] for d in w.source.docs[CID]} - authors
    await w.respond(fh.publish_response, fm.PublishResponse(
        "resp1", CID, "Un plan vélo", "Le conseil étudie un plan vélo.", "under_review",
        theme_ids=(theme["theme_id"],)))
    await w.respond(fh.change_response_status, fm.ChangeResponseStatus(
        "resp1", CID, "adopted", "Voté le 3 mars."))
    response = await w.store.get(RESPONSES, CID, "resp1")
    assert response is not None
    assert [x["status"] for x in response["history"]] == ["under_review", "adopted"]
    for pid in authors:
        notices = [d for _, d in await w.store.list(NOTICES, pid, limit=10)]
        assert [n["status"] for n in notices] == ["under_review", "adopted"]
        assert notices[0]["title"] == "Un plan vélo"
    for pid in others:
        assert await w.store.list(NOTICES, pid, limit=10) == []
    vault, outbox = MemoryVault("secret"), MemoryOutbox()
    reachable = sorted(authors)[:-1]  # the last one was erased: no address any more
    for pid in reachable:
        await vault.store_profile(pid, {"email": f"{pid}@exemple.fr", "pseudonym": pid})
    mailer = OutboxMailer(outbox, vault, w.clock)
    job = Meta(actor=Actor.system())
    mail = VaultMail(vault, mailer)
    sent = await send_digests(log=w.log, store=w.store, clock=w.clock, mail=mail, meta=job)
    assert sent == len(reachable)
    mails = await mailer.read(limit=100)
    assert sorted(m["to"] for m in mails) == sorted(f"{p}@exemple.fr" for p in reachable)
    # one response: named once with its statuses in order (it said « Des réponses ont
    # été publiées » and listed « Un plan vélo : À l'étude », « Un plan vélo : Adoptée »)
    assert all("Une réponse a été publiée sur un sujet auquel vous avez contribué" in m["body"]
               and "- « Un plan vélo », statut : à l'étude, puis adoptée." in m["body"]
               and "Retrouvez-la dans vos notifications" in m["body"] for m in mails)
    await w.project()
    digests = [d async for _, _, d in w.store.scan(DIGESTS)]
    assert digests and not any(d["items"] for d in digests)
    assert await send_digests(log=w.log, store=w.store, clock=w.clock, mail=mail,
                              meta=job) == 0  # nothing twice
    events = [r.event async for r in read_all(w.log, "synthesis.events")]
    assert not any("@" in str(e.data) for e in events)


@pytest.mark.parametrize(("cmd", "words"), [
    (fm.PublishResponse("r", CID, "  ", "Texte", "adopted", ("t1",)), "Indiquez le titre"),
    (fm.PublishResponse("r", CID, "Titre", "", "adopted", ("t1",)), "Indiquez le texte"),
    (fm.PublishResponse("r", CID, "Titre", "Texte", "peut-être", ("t1",)), "Choisissez un statut"),
    (fm.PublishResponse("r", CID, "Titre", "Texte", "adopted", ("t404",)), "n'existe pas"),
    (fm.PublishResponse("r", CID, "Titre", "Texte", "adopted"), "au moins un thème"),
    (fm.PublishResponse("r", CID, "Titre", "Texte", "adopted", (), ("inconnue",)),
     "pas publiée"),
])
async def test_bad_responses_are_refused_in_french_and_nothing_is_stored(
        cmd: fm.PublishResponse, words: str) -> None:
    w, _ = await published_world()
    before = [r async for r in read_all(w.log, "synthesis.events")]
    with pytest.raises(DomainError, match=words):
        await w.respond(fh.publish_response, cmd)
    with pytest.raises(NotFound):
        await w.respond(fh.change_response_status, fm.ChangeResponseStatus("r404", CID, "done"))
    assert [r async for r in read_all(w.log, "synthesis.events")] == before


async def test_the_run_job_executes_requests_after_commit_and_pending_ones_later() -> None:
    docs = docs_of(120)
    w = World(docs)
    async with w.store.transaction() as tx:
        for d in docs:
            await tx.put(CORPUS, CID, d["id"], d)
        await tx.put(POSITION, "all", CID, {"events": 120})
    job = RunJob(log=w.log, store=w.store, clock=w.clock)
    await w.send(h.request_theme_run, c.RequestThemeRun("r1", CID, "p-ana", n_themes=3))
    await w.send(h.request_theme_run, c.RequestThemeRun("r2", CID, "p-ana", n_themes=3))
    first = [r.event async for r in read_all(w.log, "synthesis.events")]
    await job.handle(first[:1])  # r1 handed to the job; r2 not (a crash)
    await job.idle()
    await w.project()
    assert (await w.store.get(RUNS, CID, "r1") or {})["status"] == "done"
    assert (await w.store.get(RUNS, CID, "r2") or {})["status"] == "pending"
    assert await run_pending(log=w.log, store=w.store, clock=w.clock) == 1
    await w.project()
    assert (await w.store.get(RUNS, CID, "r2") or {})["status"] == "done"
    assert await run_pending(log=w.log, store=w.store, clock=w.clock) == 0
    # the schedule: nothing new, no run; new published input, an update
    from datetime import timedelta
    w.clock.advance(timedelta(hours=2))
    assert await request_scheduled_runs(log=w.log, store=w.store, clock=w.clock,
                                        minutes=60) == []
    async with w.store.transaction() as tx:
        await tx.put(POSITION, "all", CID, {"events": 121})
    started = await request_scheduled_runs(log=w.log, store=w.store, clock=w.clock, minutes=60)
    await w.project()
    assert len(started) == 1
    run = await w.store.get(RUNS, CID, started[0])
    assert run is not None and run["mode"] == "incremental" and run["base_run_id"] == "r2"


async def test_a_status_change_right_after_another_is_decided_on_it_not_refused_stale() -> None:
    """Two status changes in a row, the projection a little behind (ADR 0033): the
    second waits for the first to be projected, then both are in the history."""
    w, theme = await published_world()
    await w.respond(fh.publish_response, fm.PublishResponse(
        "resp1", CID, "Un plan vélo", "Le conseil étudie un plan vélo.", "under_review",
        theme_ids=(theme["theme_id"],)))
    send = {"log": w.log, "store": w.store, "clock": w.clock, "meta": ORGA}
    await fh.change_response_status(fm.ChangeResponseStatus("resp1", CID, "adopted"), **send)
    projector = asyncio.get_running_loop().call_later(
        0.2, lambda: asyncio.ensure_future(w.project()))
    await fh.change_response_status(fm.ChangeResponseStatus("resp1", CID, "done"), **send)
    projector.cancel()
    await w.project()
    response = await w.store.get(RESPONSES, CID, "resp1")
    assert response is not None
    assert [x["status"] for x in response["history"]] == ["under_review", "adopted", "done"]
