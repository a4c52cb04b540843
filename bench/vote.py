"""Durable ballots/s and p99 latency through HTTP, beside a naive baseline.

1. Parlons: `parlons serve` (uvicorn on 127.0.0.1, SQLite event log and read
   store, projection workers on) in its own process; agree/disagree ballots on
   distinct (item, participant) pairs POSTed with an Idempotency-Key by
   `--connections` concurrent keep-alive connections (aiohttp, this process). A
   200 means the ballot event is committed to the log. Every check is on: each
   ballot carries a real participant session and its CSRF token
   (bench/api_sessions.py), so the server checks the session and its revocation,
   CSRF, proof of work, identity level, rate limit (counted, never reached),
   idempotency, phase, validation, then appends durably.
2. Baseline, same run, same client (same headers): a naive FastAPI app under
   uvicorn (own process) doing one SQLite INSERT with a commit per request (WAL,
   synchronous=FULL, UNIQUE (item, participant)).

    .venv/bin/python bench/vote.py [--seconds 8] [--connections 48] [--workers 1]
        [--baseline-workers 1]

   `--workers N` runs `parlons serve --workers N` (N HTTP processes and one
   projections process, ADR 0070); 1, the default, one process for everything.
   `--baseline-workers N`: the baseline and the ceiling under `uvicorn --workers N`.
   Each line says how many processes its server used, and the CPU that server
   and its worker processes spent per request over the timed seconds (/proc):
   the machine's load moves it far less than it moves throughput, so it
   compares two builds measured minutes apart.

3. Ceiling, same run, same client: the same FastAPI route doing nothing at all
   (no SQLite, no check). No ballot service on this machine, with this client
   taking its share of the two cores, can serve more requests per second.

The three lines are printed, the ratio Parlons / baseline last. Targets on 2
cores: >= 2,000 ballots/s, p99 <= 50 ms, >= 1.5x the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.api_sessions import ENV, participant_headers  # noqa: E402  (needs ROOT on the path)
from bench.servers import Load, free_port, start, stop, timed_load  # noqa: E402

ITEMS = 200


class Ballot(BaseModel):
    kind: str
    choice: str


def baseline_app(db: str | None):  # type: ignore[no-untyped-def]
    """The naive service: FastAPI + one SQLite commit per ballot. Without a
    database: the same route answering at once, the ceiling."""
    from fastapi import FastAPI, Header

    if db is None:
        empty = FastAPI()

        @empty.post("/api/items/{item_id}/ballot")
        async def nothing(item_id: str, b: Ballot, idempotency_key: str = Header(),
                          x_participant_id: str = Header()) -> dict[str, str]:
            return {"status": "recorded"}

        @empty.get("/readyz")
        async def ready_at_once() -> dict[str, str]:
            return {"status": "ok"}

        return empty

    conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS ballots (item TEXT, participant TEXT, "
                 "choice TEXT, idem TEXT UNIQUE, PRIMARY KEY (item, participant))")
    app = FastAPI()

    @app.post("/api/items/{item_id}/ballot")
    async def cast(item_id: str, b: Ballot, idempotency_key: str = Header(),
                   x_participant_id: str = Header()) -> dict[str, str]:
        conn.execute("BEGIN")
        conn.execute("INSERT OR IGNORE INTO ballots VALUES (?,?,?,?)",
                     (item_id, x_participant_id, b.choice, idempotency_key))
        conn.execute("COMMIT")
        return {"status": "recorded"}

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def baseline_from_env():  # type: ignore[no-untyped-def]
    """uvicorn's factory for `--baseline-workers N` (each worker imports it)."""
    import os

    return baseline_app(os.environ.get("BENCH_BASELINE_DB") or None)


def serve_baseline(port: int, db: str | None, workers: int = 1) -> None:
    import os

    import uvicorn

    if workers == 1:
        uvicorn.run(baseline_app(db), host="127.0.0.1", port=port, log_level="warning",
                    access_log=False)
        return
    os.environ["BENCH_BASELINE_DB"] = db or ""
    uvicorn.run("bench.vote:baseline_from_env", factory=True, workers=workers,
                host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start_on_port(args: list[str], env: dict[str, str],
                  out: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A server whose last argument is the port it listens on."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return start([*args, str(port)], env, out, f"{url}/readyz"), url


async def load(url: str, items: list[str], seconds: float, connections: int,
               run: str, server: int | None = None) -> Load:
    """Ballots/s, p99, count (and the CPU of `server` per ballot) over `seconds`
    after a 1 s warm-up."""

    async def ballot(session: aiohttp.ClientSession, n: int, i: int) -> None:
        item = items[(n * 7 + i) % len(items)]
        voter = f"{run}-v{n}-{i}"  # distinct pairs: every request is a new ballot
        async with session.post(
                f"{url}/api/items/{item}/ballot",
                json={"kind": "agree", "choice": "agree" if i % 3 else "disagree"},
                headers={**participant_headers(voter), "X-Participant-Id": voter,
                         "Idempotency-Key": f"{item}-{voter}"}) as r:
            await r.read()
            if r.status != 200:
                raise SystemExit(f"unexpected {r.status}: {await r.text()}")

    return await timed_load(seconds, connections, ballot, server)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--connections", type=int, default=48)
    p.add_argument("--workers", type=int, default=1, help="parlons serve --workers N")
    p.add_argument("--baseline-workers", type=int, default=1,
                   help="uvicorn --workers N for the baseline and the ceiling")
    p.add_argument("--serve-baseline", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    p.add_argument("--serve-empty", nargs=1, metavar="PORT", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_baseline:
        serve_baseline(int(args.serve_baseline[1]), args.serve_baseline[0],
                       args.baseline_workers)
        return
    if args.serve_empty:
        serve_baseline(int(args.serve_empty[0]), None, args.baseline_workers)
        return
    from harness.processes import seed_vote as seed

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        items = asyncio.run(seed(data, ITEMS))
        env = {**ENV, "PARLONS_DATA_DIR": str(data)}
        bw = ["--baseline-workers", str(args.baseline_workers)]
        parlons_processes = (f"{args.workers} HTTP + 1 projections processes"
                             if args.workers > 1 else "1 process")
        baseline_processes = (f"{args.baseline_workers} processes" if args.baseline_workers > 1
                              else "1 process")
        def measure(server: list[str], server_env: dict[str, str], run: str) -> Load:
            proc, url = start_on_port(server, server_env, data / f"{run}.log")
            try:
                return asyncio.run(load(url, items, args.seconds, args.connections, run,
                                        proc.pid))
            finally:
                stop(proc)

        ours = measure(["-m", "services.runtime", "serve", "--workers", str(args.workers),
                     "--port"], env, "p")
        print(f"parlons  (uvicorn + SQLite log, every check): {ours.rate:8.0f} "
              f"ballots/s  p99 {ours.p99 * 1000:6.1f} ms  ({ours.requests} ballots, "
              f"{args.connections} connections; {parlons_processes}; "
              f"server CPU {ours.cpu_per_request * 1e6:.0f} µs/ballot{ours.split()})")
        base = measure([__file__, *bw, "--serve-baseline", str(data / "baseline.db")], {}, "b")
        print(f"baseline (FastAPI + SQLite commit/request):  {base.rate:8.0f} ballots/s  "
              f"p99 {base.p99 * 1000:6.1f} ms  ({base.requests} ballots; {baseline_processes}; "
              f"server CPU {base.cpu_per_request * 1e6:.0f} µs/ballot)")
        empty = measure([__file__, *bw, "--serve-empty"], {}, "c")
        print(f"ceiling  (the same route doing nothing):     {empty.rate:8.0f} requests/s "
              f"p99 {empty.p99 * 1000:6.1f} ms  (parlons at {ours.rate / empty.rate:.0%} of it; "
              f"{baseline_processes}; server CPU {empty.cpu_per_request * 1e6:.0f} µs/request)")
        print(f"ratio parlons/baseline: {ours.rate / base.rate:.2f}x")


if __name__ == "__main__":
    main()
