"""`parlons replay --all` over several processes, one per core (ADR 0121).

A rebuild is Python bound to one core: each projection pays 20-35 µs for each event
it applies. The projections are shared out by service between this process and
children, `python -m services.runtime.replay_jobs`, each rebuilding its share in
one pass over the log (`rebuild_projections`), all at once:
- the command starts its children first (`start_children`): each imports every
  service (~1.3 s) while the command builds its own container, then reads its share
  from its stdin, one line of JSON, and prints what it did as its last line;
- the services are weighed by the events their projections read (`EventLog.size`),
  each projection's by its `replay_cost`; each service goes, heaviest first, to the
  lightest process; a child given nothing exits;
- a service whose projections feed a view outside the read store (the search
  index: one writer per directory) stays in this process, which records its origin;
- a shared SQLite read store takes one writer at a time: a child builds its share
  in a file of its own beside it, copied in at the end in one transaction
  (`SqliteReadStore.absorb`), its projections dropped here first. A store that
  takes several writers (a file per service, Cassandra) is written by each child
  directly, its own services' tables only.

A child inherits the environment and every setting of the command's process. A child that
fails fails the whole replay: its projections are left empty, and running the
replay again rebuilds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from pydantic import SecretStr

from services.eventlog.port import EventLog
from services.runtime.replay import Rebuilt, forget_projections, rebuild_projections
from services.runtime.settings import Settings
from services.store.port import ReadStore
from services.store.projection import Projection
from services.store.sqlite import SqliteReadStore

if TYPE_CHECKING:
    from services.runtime.bootstrap import Container


class ReplayJobFailed(RuntimeError):
    """A child rebuilding its share of the projections exited in error."""


def share_out(weights: Mapping[str, float], pinned: Collection[str],
              jobs: int) -> list[list[str]]:
    """The services in at most `jobs` groups of about equal weight: each, heaviest
    first, to the lightest group (the longest-processing-time rule). The first group
    is this process's: it holds the pinned services, and the services that read
    nothing. Groups left empty are dropped (their child is given nothing), but for
    the first."""
    groups: list[list[str]] = [sorted(s for s in weights if s in pinned or not weights[s])]
    groups += [[] for _ in range(max(jobs, 1) - 1)]
    loads = [sum(weights[s] for s in groups[0])] + [0.0] * (len(groups) - 1)
    for service in sorted((s for s in weights if s not in groups[0]),
                          key=lambda s: (-weights[s], s)):
        lightest = loads.index(min(loads))
        groups[lightest].append(service)
        loads[lightest] += weights[service]
    return [groups[0], *(g for g in groups[1:] if g)]


def feeds_outside_view(projection: Projection) -> bool:
    """A projection keeping state outside the read store resets it itself."""
    return type(projection).reset is not Projection.reset


def can_share(settings: Settings) -> bool:
    """Other processes reach the same log and read store (not memory ones)."""
    return settings.event_log != "memory" and settings.read_store != "memory"


async def start_children(settings: Settings, count: int) -> list[Child]:
    """`count` children started now, before this process has built its own
    container: each imports the services meanwhile, on another core, and waits for
    its share (`rebuild_in_jobs`). No more than there are services to share out."""
    from services.runtime.services import SERVICES

    if not can_share(settings):
        return []
    return [await Child.start(n, settings) for n in range(1, min(count, len(SERVICES) - 1) + 1)]


async def rebuild_in_jobs(container: Container,
                          children: Sequence[Child] = ()) -> dict[str, Rebuilt]:
    """Every projection of the container rebuilt, shared out between this process
    and the `children` started beforehand (`start_children`); each child is stopped
    on return. What each projection's rebuild did, by name, in the container's
    order."""
    try:
        return await _rebuild_in_jobs(container, children)
    finally:
        for child in children:
            await child.stop()


async def _rebuild_in_jobs(container: Container,
                           children: Sequence[Child]) -> dict[str, Rebuilt]:
    log, store, projections = container.log, container.store, container.projections
    if not children:
        return await rebuild_projections(log, store, projections)
    owners = container.projection_owners
    sizes = {t: await log.size(t) for t in {t for p in projections for t in p.topics}}
    weights: dict[str, float] = dict.fromkeys(owners.values(), 0)
    for projection in projections:
        weights[owners[projection.name]] += projection.replay_cost * sum(
            sizes[t] for t in projection.topics)
    pinned = {owners[p.name] for p in projections if feeds_outside_view(p)}
    own, *shares = share_out(weights, pinned, 1 + len(children))
    for n, services in enumerate(shares, 1):
        side = _side_file(store, n)
        if side is not None:
            await forget_projections(store, [p for p in projections
                                             if owners[p.name] in services])
        await children[n - 1].assign(services, side)
    for idle in children[len(shares):]:
        await idle.assign([], None)  # nothing for it: it exits
    rebuilt = await rebuild_projections(
        log, store, [p for p in projections if owners[p.name] in own])
    for child in children[:len(shares)]:
        rebuilt.update(await child.result())
        if child.side is not None:
            assert isinstance(store, SqliteReadStore)
            await store.absorb(child.side)
    return {p.name: rebuilt[p.name] for p in projections}


def _side_file(store: ReadStore, n: int) -> Path | None:
    """Where child `n` builds its share: a file beside a shared SQLite read store
    (None: it writes the store itself)."""
    if not isinstance(store, SqliteReadStore):
        return None
    return store.path.with_name(f"{store.path.stem}.replay-{n}{store.path.suffix}")


def _remove(side: Path) -> None:
    for path in (side, side.with_name(side.name + "-wal"), side.with_name(side.name + "-shm")):
        path.unlink(missing_ok=True)


class Child:
    """A child process: started first (it imports the services), then given the
    services whose projections it rebuilds (`assign`), one line of JSON on its stdin."""

    def __init__(self, number: int, process: asyncio.subprocess.Process) -> None:
        self.number, self.process = number, process
        self.services: Sequence[str] = ()
        self.side: Path | None = None

    @classmethod
    async def start(cls, number: int, settings: Settings) -> Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", __name__, env=child_environment(settings),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE)  # its errors and logs: on our stderr
        return cls(number, process)

    async def ready(self) -> None:
        """Until it has imported the services (its first line)."""
        assert self.process.stdout is not None
        await self.process.stdout.readline()

    async def assign(self, services: Sequence[str], side: Path | None) -> None:
        """Its share: the projections of `services`, built into `side` (a new file)
        or into the read store itself; none: it exits."""
        self.services, self.side = services, side
        if side is not None:
            _remove(side)  # a file a failed replay left behind
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # it died: `result`
            stdin.write(orjson.dumps({"services": list(services),
                                      "into": None if side is None else str(side)}) + b"\n")
            await stdin.drain()
            stdin.close()

    async def result(self) -> dict[str, Rebuilt]:
        out, _ = await self.process.communicate()
        if self.process.returncode != 0:
            raise ReplayJobFailed(
                f"the replay of {', '.join(self.services)} failed"
                f" (exit code {self.process.returncode}; its errors above)")
        # its last line: whatever a library printed before it is not ours to read
        last = out.rstrip(b"\n").rpartition(b"\n")[2]
        return {name: Rebuilt(read, applied, seconds, job=self.number)
                for name, (read, applied, seconds) in orjson.loads(last).items()}

    async def stop(self) -> None:
        """Kill it if it still runs (this process failed first, or never gave it a
        share), and remove its file."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        if self.side is not None:
            _remove(self.side)


def child_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with every one of its settings in it (a caller
    may have set some in code, not in the environment: the Kafka brokers, the data
    folder), the paths absolute, and the path that finds `services`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for name, value in settings.model_dump().items():
        key = f"PARLONS_{name.upper()}"
        if value is None:
            env.pop(key, None)
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, Path):
            value = value.resolve()
        env[key] = str(value)
    return env


async def _rebuild_share(services: Sequence[str], into: Path | None) -> dict[str, Rebuilt]:
    """A child's work: the projections of `services`, rebuilt into `into` (a new
    file) or into the read store itself."""
    from services.runtime.bootstrap import bootstrap

    container = bootstrap(Settings(), services=services)
    store: ReadStore = container.store if into is None else SqliteReadStore(into)
    log: EventLog = container.log
    await log.start()
    try:
        await store.start()
        try:
            return await rebuild_projections(log, store, container.projections)
        finally:
            await store.close()
    finally:
        await log.close()


def _main() -> None:
    """A child: import every service while the command's process starts, say so,
    then rebuild the share read from stdin and print what it did as its last line."""
    from services.runtime.bootstrap import data_owners
    from services.runtime.heap import settle_after_start

    data_owners()  # makes every service's spec: their modules imported
    # What the imports left is kept for the child's life: out of the collector's
    # sight, as a server's start-up heap (ADR 0079). Unsettled, the child's
    # rebuild took 15-18 % longer (`bench/replay.py --jobs 2`, its share timed).
    settle_after_start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    share = orjson.loads(sys.stdin.buffer.readline() or b"null")
    if not share or not share["services"]:
        return
    into = None if share["into"] is None else Path(share["into"])
    rebuilt = asyncio.run(_rebuild_share(share["services"], into))
    sys.stdout.flush()
    sys.stdout.buffer.write(b"\n" + orjson.dumps(
        {name: [r.read, r.applied, r.seconds] for name, r in rebuilt.items()}) + b"\n")
    # Out without the interpreter's teardown: the command waits for this exit before
    # it copies the share in, and freeing every module and object the rebuild left
    # took ~0.23 s of a ~1.9 s replay (`bench/replay.py --jobs 2`). What needs
    # closing is closed (the log, the store's file); the output is flushed first.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    _main()
