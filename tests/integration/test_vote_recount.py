"""`parlons recount` over a real SQLite data dir: zero difference after the
projection caught up, and a tampered tally is reported (exit 1); the back
office's recount page alike."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from harness.consultations import VOTE_CID, open_vote
from harness.platform import SYSTEM, Platform, granted, participant, session_client, until
from harness.processes import ROOT, SEEDED_VOTE, seed_vote

from services.core.envelope import Actor
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.runtime.bootstrap import bootstrap
from services.runtime.cli import rebuild
from services.runtime.settings import Settings
from services.vote.commands import CastBallot
from services.vote.projections import TALLIES, tally_partition


def parlons_recount(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "services.runtime", "recount"], cwd=ROOT,
                          env={**os.environ, "PARLONS_DATA_DIR": str(data),
                               "PARLONS_LOG_LEVEL": "WARNING"},
                          capture_output=True, text=True, timeout=60)


async def cast_and_project(data: Path, items: list[str]) -> None:
    container = bootstrap(Settings(data_dir=data))
    async with container:
        for n, item in enumerate(items):
            for v in range(3):
                await container.handle(CastBallot(
                    item, ParticipantContext(f"voter-{v}"), "agree",
                    ("agree", "disagree", "neutral")[(n + v) % 3]),
                    Meta(Actor(f"voter-{v}", "participant")))
        await rebuild(container, "vote.tallies")


async def tamper(data: Path, item: str) -> None:
    container = bootstrap(Settings(data_dir=data))
    async with container:
        part = tally_partition(SEEDED_VOTE, "vote")
        doc = await container.store.get(TALLIES, part, item)
        assert doc is not None
        doc["agree"]["agree"] += 1
        async with container.store.transaction() as tx:
            await tx.put(TALLIES, part, item, doc)


def test_recount_command_zero_difference_then_reports_a_tampered_tally(tmp_path: Path) -> None:
    items = asyncio.run(seed_vote(tmp_path, 3))
    asyncio.run(cast_and_project(tmp_path, items))
    done = parlons_recount(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 phase, 3 éléments, 0 classement ; 0 différence\n" in done.stdout

    asyncio.run(tamper(tmp_path, items[1]))
    done = parlons_recount(tmp_path)
    assert done.returncode == 1
    assert "; 1 différence\n" in done.stdout and items[1] in done.stdout


async def test_the_recount_page_says_when_it_recounted_and_sees_a_tampered_tally(
        platform: Platform) -> None:
    """The page's recount is shared by its views (ADR 0039); a quick one is made
    again once the store moved, so a tally tampered with after a view shows at the
    next one."""
    p = platform
    await open_vote(p)
    for v in range(3):
        await p.container.handle(CastBallot("item-1", ParticipantContext(f"p-v{v}", "email"),
                                            "agree", "agree"), SYSTEM)
    part = tally_partition(VOTE_CID, "vote")

    async def counted() -> bool:
        doc = await p.container.store.get(TALLIES, part, "item-1")
        return doc is not None and doc["agree"]["agree"] == 3
    await until(counted)
    organiser = await participant(p, "Orga")
    await granted(p, organiser, VOTE_CID, "organiser")
    page = f"/admin/consultations/{VOTE_CID}/recomptage"
    async with session_client(p, organiser) as client:
        first = await client.get(page)
        assert first.status_code == 200, first.text[:300]
        assert "Recompté le" in first.text and "Aucune différence" in first.text
        doc = await p.container.store.get(TALLIES, part, "item-1")
        assert doc is not None
        doc["agree"]["agree"] += 1
        async with p.container.store.transaction() as tx:
            await tx.put(TALLIES, part, "item-1", doc)
        again = await client.get(page)
        assert "1 différence avec le journal des votes" in again.text
        # said in words: the phase's title, the proposal, the live results, both counts
        row = again.text.split("<tbody>")[1].split("</tbody>")[0]
        cells = [c.split(">", 1)[1].split("</td>")[0].strip()
                 for c in row.split("<td")[1:]]
        phase = next(ph for ph in (await p.container.store.get(
            "consultation_detail", "all", VOTE_CID) or {}).get("phases", ())
            if ph["phase_id"] == "vote")
        assert cells[0] == phase["title"] and "(item-1)" in cells[1]
        assert cells[2:] == ["Résultats affichés en direct", "pour 3, contre 0, neutre 0",
                             "pour 4, contre 0, neutre 0"]
        assert "parlons replay vote.tallies" in again.text
        assert "Résultats figés" not in again.text
