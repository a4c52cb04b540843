"""The rate limit holds across processes (issue #16 item 4, ADR 0045): two
`parlons serve` over one data folder (one with the workers, one front only)
share the counters in `<data_dir>/ratelimit.db`, so a client gets the budget
once in sum, not once per process."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from harness.processes import Parlons, start_serve

BUDGET = 4


def ask_link(client: httpx.Client, email: str) -> int:
    page = client.get("/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return client.post("/connexion", data={"csrf_token": token.group(1),
                                           "email": email}).status_code


@pytest.mark.slow  # two real processes
def test_two_processes_over_one_data_folder_share_the_budget(tmp_path: Path) -> None:
    env = {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_LOG_LEVEL": "WARNING",
           "PARLONS_ENVIRONMENT": "development", "PARLONS_SECRET_KEY": "shared-web-secret",
           "PARLONS_IDENTITY_SECRET": "shared-identity-secret",
           "PARLONS_RATE_LIMITS": f"magic_link.client={BUDGET}/3600"}
    processes: list[Parlons] = []
    try:
        urls = [start_serve(processes, env, tmp_path / f"serve{n}.log", *extra)[1]
                for n, extra in enumerate(([], ["--no-workers"]))]
        clients = [httpx.Client(base_url=url, timeout=10) for url in urls]
        statuses = [ask_link(clients[n % 2], f"personne{n}@exemple.fr") for n in range(10)]
        for c in clients:
            c.close()
    finally:
        for p in processes:
            p.stop()
    assert statuses.count(200) == BUDGET and statuses.count(429) == 10 - BUDGET, statuses
    assert statuses[:BUDGET] == [200] * BUDGET
