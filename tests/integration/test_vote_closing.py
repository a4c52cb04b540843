"""`parlons serve` (embedded, workers on) freezes the results of a vote phase that
has ended, with no scheduler: started on files holding a phase that ended an hour
ago, it serves the results as final."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness.consultations import publish
from harness.processes import Parlons, free_port, wait_until

from services.consultation.commands import PhaseSpec
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import bootstrap
from services.runtime.settings import Settings

CID = "c-closed"


async def seed_ended_phase(data: Path) -> None:
    container = bootstrap(Settings(data_dir=data))
    now = datetime.now(UTC)
    meta = Meta(Actor("organiser-1", "organiser"))
    async with container:
        await publish(container, meta, CID, "Vote clos", "vote-clos", PhaseSpec(
            "vote", "vote", "Vote", now - timedelta(days=2), now - timedelta(hours=1),
            actions=("vote_agree",)))


def test_serve_freezes_the_results_of_an_ended_phase(tmp_path: Path,
                                                     processes: list[Parlons]) -> None:
    asyncio.run(seed_ended_phase(tmp_path))
    port = free_port()
    processes.append(Parlons(["serve", "--port", str(port)],
                             {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_LOG_LEVEL": "WARNING"},
                             tmp_path / "serve.log"))
    url = f"http://127.0.0.1:{port}/vote/{CID}/resultats"
    page = wait_until(lambda: (r := httpx.get(url)).status_code == 200
                      and "Résultats définitifs" in r.text and r.text, "frozen results",
                      processes)
    assert "Aucun vote n\u2019a été exprimé" in page
