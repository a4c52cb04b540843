"""Acknowledged -> searchable under load (ADR 0105): the search index's freshness
while `bench/deposit.py`'s load runs, the measurement a change of the indexer's commit
policy (`services.search.indexer.BATCH_EVERY`, ADR 0087) needs beside its CPU.

`parlons serve --workers N` (N HTTP processes and the projections process, SQLite)
receives `bench/deposit.py`'s proposals from `--connections` clients; beside them a
probe POSTs, one after the other, a proposal whose title holds a word of its own and
asks `/api/search` for that word every 10 ms until it is found (at most 5 s), then
waits 0.1 s. It prints the load's rate and the server's CPU per proposal (split by
process), and the probes' delays from the 201 request's start to the first search
that finds it: p50, p95 and the largest. The HTTP processes' searcher reloads every
`RELOAD_EVERY` (0.2 s) after the projections process commits: part of the delay.

    .venv/bin/python bench/search_freshness.py [--seconds 10] [--workers 2] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from bench.api_sessions import ENV, participant_headers  # noqa: E402
from bench.deposit import load  # noqa: E402
from bench.servers import Load, free_port, start, stop  # noqa: E402
from services.core.ids import new_id  # noqa: E402

GIVE_UP_S = 5.0


async def probe(url: str, consultation: str, seconds: float, delays: list[float]) -> None:
    """One probe proposal at a time from 1.5 s (past the load's warm-up) to the end."""
    await asyncio.sleep(1.5)
    end = time.perf_counter() + seconds - 0.5
    async with aiohttp.ClientSession() as s:
        for n in itertools.count(1):
            if time.perf_counter() >= end:
                return
            word = f"zqsonde{n}"  # one stem of its own: found by this probe only
            author = f"probe-{n}"
            started = time.perf_counter()
            async with s.post(f"{url}/api/consultations/{consultation}/proposals",
                              json={"title": f"Sonde {word}",
                                    "body": f"Un texte de sonde, le numéro {n}, sur les "
                                            "jardins partagés du quartier."},
                              headers={**participant_headers(author),
                                       "X-Participant-Id": author,
                                       "Idempotency-Key": new_id()}) as r:
                await r.read()
                if r.status != 201:
                    raise SystemExit(f"probe: unexpected {r.status}: {await r.text()}")
            while time.perf_counter() - started < GIVE_UP_S:
                async with s.get(f"{url}/api/search", params={"q": word}) as r:
                    if (await r.json()).get("hits"):
                        break
                await asyncio.sleep(0.01)
            delays.append(time.perf_counter() - started)
            await asyncio.sleep(0.1)


async def measure(url: str, consultation: str, seconds: float, connections: int,
                  pid: int) -> tuple[Load, list[float]]:
    delays: list[float] = []
    loaded, _ = await asyncio.gather(
        load(url, consultation, seconds, connections, "f", pid),
        probe(url, consultation, seconds, delays))
    return loaded, sorted(delays)


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--workers", type=int, default=2, help="parlons serve --workers N")
    p.add_argument("--connections", type=int, default=32)
    args = p.parse_args()
    from harness.processes import SEEDED_VOTE, seed_vote

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        asyncio.run(seed_vote(data, 1))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start(["-m", "services.runtime", "serve", "--workers", str(args.workers),
                      "--port", str(port)],
                     {**ENV, "PARLONS_DATA_DIR": str(data)}, data / "serve.log",
                     f"{url}/readyz")
        try:
            loaded, delays = asyncio.run(measure(url, SEEDED_VOTE, args.seconds,
                                                 args.connections, proc.pid))
        finally:
            stop(proc)
    if not delays:
        raise SystemExit("no probe completed: run longer")

    def ms(share: float) -> float:
        return delays[min(len(delays) - 1, int(len(delays) * share))] * 1000

    print(f"load: {loaded.rate:.0f} proposals/s, server CPU "
          f"{loaded.cpu_per_request * 1e6:.0f} µs/proposal{loaded.split()}")
    print(f"acknowledged -> searchable over {len(delays)} probes: p50 {ms(0.5):.0f} ms, "
          f"p95 {ms(0.95):.0f} ms, largest {delays[-1] * 1000:.0f} ms "
          f"(target: 1,000 ms at p95)")


if __name__ == "__main__":
    main()
