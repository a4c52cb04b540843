"""The servers a benchmark measures, each in its own process: a free port, start
and wait until its readiness URL answers 200 (ready, not only listening: with
`--workers` the supervisor binds first), stop (SIGTERM, then SIGKILL); the CPU a
server and its worker processes used; and the timed load the write benchmarks put
on them."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str], out: Path, ready: str, *,
          wrapper: Sequence[str] = (),
          timeout_s: float = START_TIMEOUT_S) -> subprocess.Popen[bytes]:
    """`python args...` with `env` added (run under `wrapper`, e.g. valgrind, when
    given), its output in `out`, once `ready` answers 200 within `timeout_s`; exits
    the benchmark with the server's last output if it dies or never gets ready."""
    with out.open("wb") as f:
        proc = subprocess.Popen([*wrapper, sys.executable, *args], cwd=ROOT,
                                env={**os.environ, **env}, stdout=f, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{out.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(ready, timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server not ready:\n{out.read_text()[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by process `pid` and its live
    descendants (uvicorn's or `parlons serve`'s worker processes), from Linux's
    /proc. The other processes of a loaded machine move it far less than they
    move throughput (a fifth at most, where throughput moved fourfold): the
    figure that compares two builds measured minutes apart."""
    return sum(cpu_by_role(pid).values())


def cpu_by_role(pid: int) -> dict[str, float]:
    """`cpu_seconds`, split by what each process of the tree does: `parlons serve
    --workers N`'s HTTP processes ("http") and projections process ("projections"),
    from their command lines (ADR 0092: the request path and what follows it,
    measured apart); anything else is "server"."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, p in parents.items() if p == parent and child not in tree]
        tree.update(children)
        frontier += children
    roles: dict[str, float] = {}
    for p in tree:
        role = _role(p)
        roles[role] = roles.get(role, 0.0) + used.get(p, 0.0)
    return roles


def _role(pid: int) -> str:
    try:
        args = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return "server"
    if b"--child" in args[:-1]:
        return args[args.index(b"--child") + 1].decode()
    return "server"


class Load(NamedTuple):
    rate: float  # requests/s
    p99: float  # seconds
    requests: int  # answered in the timed seconds
    cpu_per_request: float  # the server's CPU seconds per request (NaN: not measured)
    cpu_by_role: dict[str, float] = {}  # the same, by role (`cpu_by_role`)

    def split(self) -> str:
        """" (http 598 + projections 131 µs)" under `serve --workers N`, else ""."""
        parts = [f"{role} {cpu * 1e6:.0f}" for role, cpu in sorted(self.cpu_by_role.items())
                 if role != "server"]
        return f" ({' + '.join(parts)} µs)" if parts else ""


async def timed_load(seconds: float, connections: int,
                     request: Callable[[aiohttp.ClientSession, int, int], Awaitable[None]],
                     server: int | None = None) -> Load:
    """Requests/s, p99 and count over `seconds` after a 1 s warm-up:
    `connections` clients, each awaiting `request(session, client, i)` for its i-th
    request (from 1) in turn until the time is up; with `server` (a pid), the CPU
    that process and its workers spent per request over the same seconds."""
    latencies: list[float] = []
    done = 0
    t0 = time.perf_counter()
    warm, stop_at = t0 + 1.0, t0 + 1.0 + seconds
    at_warm: dict[str, float] = {}

    async def sample_after_warm_up() -> None:
        await asyncio.sleep(max(0.0, warm - time.perf_counter()))
        if server is not None:
            at_warm.update(cpu_by_role(server))

    sampling = asyncio.create_task(sample_after_warm_up())
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as s:

        async def client(n: int) -> None:
            nonlocal done
            i = 0
            while (now := time.perf_counter()) < stop_at:
                i += 1
                await request(s, n, i)
                end = time.perf_counter()
                if now >= warm:
                    latencies.append(end - now)
                    done += 1

        await asyncio.gather(*(client(n) for n in range(connections)))
    await sampling
    at_end = cpu_by_role(server) if server is not None else {}
    by_role = {role: (cpu - at_warm.get(role, 0.0)) / done for role, cpu in at_end.items()
               if done}
    cpu = sum(by_role.values()) if server is not None and done else float("nan")
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    return Load(done / seconds, p99, done, cpu, by_role)
