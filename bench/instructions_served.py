"""Instructions per request of a real server: `parlons serve --workers 1
--no-workers` (one HTTP process, uvicorn, projections off) under valgrind's
callgrind, sent ballots or proposals over HTTP by a client outside valgrind.

`bench/instructions.py` counts the app called over ASGI in one process; this counts
what the served process also does: uvicorn's protocol and parser, the socket's
reads and writes, the group commits' threads. The client sends `base` requests to
warm the server up, the counters are zeroed (`callgrind_control -z`), it sends
`requests` more, and the counters are dumped (`callgrind_control -d`): start-up,
seeding and warm-up are out of the count, and so is the client. What the process
does by the clock, whatever the requests (the search index's searcher reloads and
file watcher, the periodic checks), is counted over `IDLE_S` seconds without
requests first, and its share of the requests' seconds is taken off. Kernel time
is in no instruction count: `strace -c -f -p` beside it says how many system calls.

Used by `bench/instructions.py --served`.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.api_sessions import ENV, participant_headers  # noqa: E402
from bench.servers import free_port, start, stop  # noqa: E402
from services.core.ids import new_id  # noqa: E402

READY_TIMEOUT_S = 900.0  # a start under callgrind takes minutes
IDLE_S = 10.0  # seconds of no requests, to count what the process does by the clock
CONNECTIONS = 48  # as bench/vote.py, and bench/profile_api.py's waves
TOTALS = re.compile(r"([\d,]+)\s+(?:\([^)]*\)\s+)?PROGRAM TOTALS")
Send = Callable[[aiohttp.ClientSession, str, int], Awaitable[None]]


def sender(what: str, targets: list[str], consultation: str) -> Send:
    """One request of `what` (a ballot on one of `targets`, or a proposal to
    `consultation`) as the `n`-th of a run tagged `run`, as bench/vote.py and
    bench/deposit.py send them."""

    async def ballot(s: aiohttp.ClientSession, run: str, n: int) -> None:
        item, voter = targets[n % len(targets)], f"{run}-v{n}"
        await _post(s, f"/api/items/{item}/ballot", {"kind": "agree", "choice": "agree"},
                    voter, f"{item}-{voter}", 200)

    async def proposal(s: aiohttp.ClientSession, run: str, n: int) -> None:
        author = f"{run}-a{n}"
        await _post(s, f"/api/consultations/{consultation}/proposals",
                    {"title": f"Proposition {n}",
                     "body": "Relier les villages de la vallée par des pistes cyclables."},
                    author, new_id(), 201)

    return ballot if what == "ballot" else proposal


async def _post(s: aiohttp.ClientSession, path: str, body: dict[str, str], who: str,
                key: str, expected: int) -> None:
    async with s.post(path, json=body, headers={
            **participant_headers(who), "X-Participant-Id": who, "Idempotency-Key": key}) as r:
        await r.read()
        if r.status != expected:
            raise SystemExit(f"unexpected {r.status}: {await r.text()}")


async def send(url: str, one: Send, run: str, count: int) -> None:
    """`count` requests over CONNECTIONS keep-alive connections."""
    async with aiohttp.ClientSession(url, connector=aiohttp.TCPConnector(limit=CONNECTIONS)) as s:
        turn = iter(range(count))

        async def client() -> None:
            for n in turn:
                await one(s, run, n)

        await asyncio.gather(*(client() for _ in range(CONNECTIONS)))


def _zero(pid: int) -> None:
    subprocess.run(["callgrind_control", "-z", str(pid)], check=True, capture_output=True)


def _dumped_total(pid: int, out: Path) -> int:
    """Dump the counters since the last zeroing, and read the dump's total."""
    before = set(out.parent.glob(f"{out.name}*"))
    subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)
    deadline = time.monotonic() + 60
    while not (new := set(out.parent.glob(f"{out.name}*")) - before):
        if time.monotonic() > deadline:
            raise SystemExit("callgrind wrote no dump")
        time.sleep(0.5)
    dump = max(new, key=lambda p: p.stat().st_mtime)
    time.sleep(1)  # let the dump finish
    shown = subprocess.run(["callgrind_annotate", str(dump)], capture_output=True, text=True,
                           check=True).stdout
    found = TOTALS.search(shown)
    if found is None:
        raise SystemExit(f"no total in {dump}")
    return int(found.group(1).replace(",", ""))


class Counted(NamedTuple):
    total: int  # instructions while the requests were sent
    by_clock: int  # of them, what the process would have done without requests

    def per_request(self, requests: int) -> float:
        return (self.total - self.by_clock) / requests


def count(what: str, base: int, requests: int) -> Counted:
    """Instructions of the served process for `requests` requests after `base`."""
    from harness.processes import SEEDED_VOTE, seed_vote

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        items = asyncio.run(seed_vote(data, 20))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        out = data / "callgrind.out"
        # the same dict and set orders each run; one OpenBLAS thread (instructions.py)
        env = {**ENV, "PARLONS_DATA_DIR": str(data), "PYTHONHASHSEED": "0",
               "OPENBLAS_NUM_THREADS": "1"}
        proc = start(["-m", "services.runtime", "serve", "--workers", "1", "--no-workers",
                      "--port", str(port)], env, data / "server.log", f"{url}/readyz",
                     wrapper=["valgrind", "--tool=callgrind", "--cache-sim=no",
                              f"--callgrind-out-file={out}"],
                     timeout_s=READY_TIMEOUT_S)
        try:
            one = sender(what, items, SEEDED_VOTE)
            asyncio.run(send(url, one, "warm", base))
            _zero(proc.pid)
            time.sleep(IDLE_S)
            idle = _dumped_total(proc.pid, out)
            _zero(proc.pid)
            began = time.monotonic()
            asyncio.run(send(url, one, "counted", requests))
            took = time.monotonic() - began
            return Counted(_dumped_total(proc.pid, out), round(idle * took / IDLE_S))
        finally:
            stop(proc)
