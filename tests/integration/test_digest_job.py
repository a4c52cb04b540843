"""The e-mail digests as `parlons serve` runs them: the `synthesis-jobs` command
on a platform with the default settings (no SMTP, the outbox), after an
organiser's follow-up on a proposal reached its author's notices; and run by
two schedulers in the same slot, one digest only (the claim, ADR 0034)."""

from __future__ import annotations

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import Platform, granted, participant, session_client, until

from services.runtime.jobs.synthesis import synthesis_jobs_command
from services.runtime.scheduler import Schedule, Scheduler
from services.runtime.settings import Settings
from services.synthesis.followup.tables import ALL, DIGESTS

SUBJECT = "Parlons : des suites données à vos contributions"


async def followed_up(p: Platform) -> str:
    """A proposal by « Auteur », linked to a follow-up response by the organiser;
    returns the author's id once their digest is pending."""
    await open_consultation(p, "c1", level="email", moderation="post")
    author, orga = await participant(p, "Auteur"), await participant(p, "Orga")
    await granted(p, orga, "c1", "organiser")
    async with session_client(p, author) as client:
        r = await client.post("/api/consultations/c1/proposals",
                              headers={**await csrf_header(client), "Idempotency-Key": "k1"},
                              json={"title": "Un parc au bord de l'eau",
                                    "body": "Des arbres et des bancs le long du canal."})
        assert r.status_code == 201, r.text
        proposal = r.json()["id"]
    suites = "/admin/consultations/c1/suites"
    async with session_client(p, orga) as client:
        async def linked() -> bool:
            if (await client.get(suites)).status_code == 403:  # the role not projected yet
                return False
            r = await post_form(client, suites, suites, [
                ("title", "Un parc en 2027"), ("body", "Le conseil a voté le parc."),
                ("status", "adopted"), ("proposal_ids", proposal), ("action", "publier")])
            return r.status_code == 303
        await until(linked, timeout=10)

    async def pending() -> bool:
        return await p.container.store.get(DIGESTS, ALL, author) is not None
    await until(pending, timeout=10)
    return author


async def digests_in_outbox(p: Platform) -> list[dict[str, str]]:
    identity = p.container.ports["identity"]
    outbox: list[dict[str, str]] = await identity.mailer.read()  # type: ignore[attr-defined]
    return [m for m in outbox if m["subject"] == SUBJECT]


async def test_the_digest_job_sends_with_the_default_settings(
        platform: Platform, capsys: pytest.CaptureFixture[str]) -> None:
    p = platform
    await followed_up(p)
    # the defaults (outbox mail, SQLite), with the platform's PARLONS_* variables
    assert await synthesis_jobs_command(Settings(data_dir=p.data_dir)) == 0
    assert "1 digests sent" in capsys.readouterr().out
    sent = await digests_in_outbox(p)
    assert [m["to"] for m in sent] == ["auteur@exemple.fr"]
    assert "Un parc en 2027" in sent[0]["body"]


async def test_two_schedulers_in_one_slot_send_one_digest(platform: Platform) -> None:
    p = platform
    await followed_up(p)
    ran: list[str] = []

    async def in_process(schedule: Schedule) -> int:  # what the subprocess would do
        ran.append(schedule.job)
        return await synthesis_jobs_command(Settings(data_dir=p.data_dir))
    plan = [Schedule("synthesis-jobs", 60, ("synthesis-jobs",))]
    schedulers = [Scheduler(p.container.log, p.clock, plan, run=in_process, by=f"s{n}")
                  for n in range(2)]
    for s in schedulers:
        await s.tick()
    for s in schedulers:
        await s.wait_idle()
    assert ran == ["synthesis-jobs"]
    assert len(await digests_in_outbox(p)) == 1
