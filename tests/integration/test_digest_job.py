"""The e-mail digests as `parlons serve` runs them: the `synthesis-jobs` command
on a platform with the default settings (no SMTP, the outbox), after an
organiser's follow-up on a proposal reached its author's notices."""

from __future__ import annotations

import re

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.identity.commands import GrantRole
from services.runtime.jobs.synthesis import synthesis_jobs_command
from services.runtime.settings import Settings
from services.synthesis.followup.tables import ALL, DIGESTS


async def test_the_digest_job_sends_with_the_default_settings(
        platform: Platform, capsys: pytest.CaptureFixture[str]) -> None:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    author, orga = await participant(p, "Auteur"), await participant(p, "Orga")
    await p.container.handle(GrantRole(orga, "c1", "organiser"), SYSTEM)
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
            r = await post_form(client, suites, suites, [
                ("title", "Un parc en 2027"), ("body", "Le conseil a voté le parc."),
                ("status", "adopted"), ("proposal_ids", proposal)])
            return r.status_code == 303
        await until(linked, timeout=10)

    async def pending() -> bool:
        return await p.container.store.get(DIGESTS, ALL, author) is not None
    await until(pending, timeout=10)

    # the defaults (outbox mail, SQLite), with the platform's PARLONS_* variables
    settings = Settings(data_dir=p.data_dir)
    assert await synthesis_jobs_command(settings) == 0
    assert "1 digests sent" in capsys.readouterr().out
    async with session_client(p, None) as public:
        outbox = (await public.get("/dev/courriels")).text
    assert "auteur@exemple.fr" in outbox and "Un parc en 2027" in outbox
    assert re.search(r"suites données à vos contributions", outbox)
