"""Deposit and automatic moderation throughput.

1. Durable contributions/s through HTTP: `parlons serve` (uvicorn on 127.0.0.1,
   SQLite event log and read store, projection workers and the automatic
   moderation process on) in its own process; proposals POSTed with an
   Idempotency-Key by `--connections` concurrent keep-alive connections (aiohttp,
   this process); the key a UUIDv7 made per proposal, as the platform's own forms
   make their one-time token and as API clients are asked to (`--keys text`: a
   text key, from which the contribution's id is a hash, scattered in every
   index: ADR 0102), each as another participant with a real session and its CSRF
   token (bench/api_sessions.py): session, CSRF, proof of work, identity level,
   rate limit (counted, never reached), idempotency, phase, the deposit's checks,
   validation, durable append. A 201 means the event is committed to the log.
   Beside it, same run, same client and headers: a naive baseline, FastAPI under
   uvicorn (own process) doing one SQLite INSERT with a commit per request (WAL,
   synchronous=FULL).
2. Automatic moderation: checks (personal data, lexicon, links/spam,
   content-free) + MinHash LSH campaign detection over 5,000 distinct French
   contributions and 500 campaign copies, contributions/s (target >= 2,000/s).

    .venv/bin/python bench/deposit.py [--seconds 5] [--connections 32] [--workers 1]
        [--baseline-workers 1]

`--workers N` runs `parlons serve --workers N` (N HTTP processes and one
projections process, ADR 0070); `--baseline-workers N` the baseline under
`uvicorn --workers N`. Each line says how many processes its server used and the
CPU that server and its worker processes spent per proposal over the timed
seconds (/proc); the ratio Parlons / baseline is printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from fastapi import FastAPI, Header
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from moderation.corpus import mixed  # noqa: E402

from bench.api_sessions import ENV, participant_headers  # noqa: E402
from bench.servers import Load, free_port, start, stop, timed_load  # noqa: E402
from services.core.clock import SystemClock  # noqa: E402
from services.core.envelope import Actor, Envelope  # noqa: E402
from services.core.ids import new_id  # noqa: E402
from services.eventlog.memory import MemoryEventLog  # noqa: E402
from services.moderation.process import AutoModeration  # noqa: E402

BODY = "Relier les villages de la vallée par des pistes cyclables sûres et éclairées."


class Proposal(BaseModel):
    title: str
    body: str


def baseline_app(db: str) -> FastAPI:
    """The naive service: FastAPI + one SQLite commit per proposal."""
    conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS proposals (id INTEGER PRIMARY KEY, author TEXT, "
                 "consultation TEXT, title TEXT, body TEXT, idem TEXT UNIQUE)")
    app = FastAPI()

    @app.post("/api/consultations/{consultation_id}/proposals", status_code=201)
    async def create(consultation_id: str, p: Proposal, idempotency_key: str = Header(),
                     x_participant_id: str = Header()) -> dict[str, int]:
        conn.execute("BEGIN")
        cur = conn.execute("INSERT INTO proposals (author, consultation, title, body, idem) "
                           "VALUES (?,?,?,?,?)", (x_participant_id, consultation_id, p.title,
                                                  p.body, idempotency_key))
        conn.execute("COMMIT")
        return {"id": cur.lastrowid or 0}

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def baseline_from_env() -> FastAPI:
    """uvicorn's factory for `--baseline-workers N` (each worker imports it)."""
    return baseline_app(os.environ["BENCH_BASELINE_DB"])


def serve_baseline(port: int, db: str, workers: int) -> None:
    import uvicorn

    if workers == 1:
        uvicorn.run(baseline_app(db), host="127.0.0.1", port=port, log_level="warning",
                    access_log=False)
        return
    os.environ["BENCH_BASELINE_DB"] = db
    uvicorn.run("bench.deposit:baseline_from_env", factory=True, workers=workers,
                host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def load(url: str, consultation: str, seconds: float, connections: int,
               run: str, server: int | None = None, keys: str = "uuid7") -> Load:
    """Proposals/s, p99, count (and the CPU of `server` per proposal) over
    `seconds` after a 1 s warm-up."""

    async def proposal(s: aiohttp.ClientSession, n: int, i: int) -> None:
        author = f"{run}-a{n}-{i}"  # every proposal another participant's
        key = new_id() if keys == "uuid7" else f"k-{author}"
        async with s.post(f"{url}/api/consultations/{consultation}/proposals",
                          json={"title": f"Proposition {n}-{i}", "body": BODY},
                          headers={**participant_headers(author),
                                   "X-Participant-Id": author,
                                   "Idempotency-Key": key}) as r:
            await r.read()
            if r.status != 201:
                raise SystemExit(f"unexpected {r.status}: {await r.text()}")

    return await timed_load(seconds, connections, proposal, server)


def moderation_rate() -> tuple[float, int]:
    items = mixed(5000, 500)
    auto = AutoModeration(MemoryEventLog(), SystemClock())
    now = datetime.now(UTC)
    envelopes = [Envelope(type="deposit.ProposalSubmitted", schema_version=2,
                          stream=f"contribution-{key}", stream_version=1,
                          data={"contribution_id": key, "consultation_id": "bench",
                                "author_id": "p-x", "title": "", "body": text,
                                "theme_id": "", "territory": "", "moderation": "post"},
                          actor=Actor("p-x", "participant"), occurred_at=now,
                          correlation_id="c") for key, text, _ in items]
    t = time.perf_counter()
    flagged = sum(1 for e in envelopes if auto.check(e).suggestions)
    return len(envelopes) / (time.perf_counter() - t), flagged


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--connections", "--clients", type=int, default=32)
    p.add_argument("--workers", type=int, default=1, help="parlons serve --workers N")
    p.add_argument("--baseline-workers", type=int, default=1,
                   help="uvicorn --workers N for the baseline")
    p.add_argument("--keys", choices=("uuid7", "text"), default="uuid7",
                   help="Idempotency-Keys sent: UUIDv7s (what forms send) or text keys")
    p.add_argument("--serve-baseline", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_baseline:
        serve_baseline(int(args.serve_baseline[1]), args.serve_baseline[0],
                       args.baseline_workers)
        return
    from harness.processes import SEEDED_VOTE, seed_vote

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        asyncio.run(seed_vote(data, 1))

        def measure(server: list[str], env: dict[str, str], run: str) -> Load:
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            proc = start([*server, str(port)], env, data / f"{run}.log", f"{url}/readyz")
            try:
                return asyncio.run(load(url, SEEDED_VOTE, args.seconds, args.connections, run,
                                        proc.pid, args.keys))
            finally:
                stop(proc)

        parlons_processes = (f"{args.workers} HTTP + 1 projections processes"
                             if args.workers > 1 else "1 process")
        baseline_processes = (f"{args.baseline_workers} processes"
                              if args.baseline_workers > 1 else "1 process")
        ours = measure(["-m", "services.runtime", "serve", "--workers",
                                str(args.workers), "--port"],
                               {**ENV, "PARLONS_DATA_DIR": str(data)}, "p")
        base = measure([__file__, "--baseline-workers", str(args.baseline_workers),
                                   "--serve-baseline", str(data / "baseline.db")], {}, "b")
    print(f"parlons  (uvicorn + SQLite log, every check): {ours.rate:7.0f} proposals/s  "
          f"p99 {ours.p99 * 1000:6.1f} ms  ({ours.requests} proposals, {args.connections} "
          f"connections, {args.keys} keys; {parlons_processes}; "
          f"server CPU {ours.cpu_per_request * 1e6:.0f} µs/proposal{ours.split()})")
    print(f"baseline (FastAPI + SQLite commit/request):  {base.rate:7.0f} proposals/s  "
          f"p99 {base.p99 * 1000:6.1f} ms  ({base.requests} proposals; {baseline_processes}; "
          f"server CPU {base.cpu_per_request * 1e6:.0f} µs/proposal)")
    mod_rate, flagged = moderation_rate()
    print(f"automatic moderation (checks + MinHash LSH, 5,500 contributions): "
          f"{mod_rate:,.0f} contributions/s ({flagged} with suggestions; target >= 2,000/s)")
    print(f"ratio parlons/baseline (durable proposals/s): {ours.rate / base.rate:.2f}x")


if __name__ == "__main__":
    main()
