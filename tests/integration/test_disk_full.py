"""Disk full during a load of ballots (issue #15): the read store's file cannot
grow (SQLite's "database or disk is full"), the projections wait it out instead
of dead-lettering, and once space returns the tallies equal the recount from the
log: no dead letter, no replay."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from harness.processes import seed_vote

from services.core.envelope import Actor
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.dead_letters import pending
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.store.sqlite import SqliteReadStore
from services.vote.commands import CastBallot
from services.vote.recount import compare

VOTERS = 40


def fill_the_disk(store: SqliteReadStore, full: bool) -> None:
    """Fault injection on the store's write connection (the only one that writes):
    `max_page_count` at the file's current size makes every write that needs a
    new page fail as a full disk does; a high cap gives the space back."""
    conn = store._writer
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0] if full else 2**30
    conn.execute(f"PRAGMA max_page_count = {pages}")


def sample(container: Container, name: str) -> float:
    return sum(m.value for metric in container.metrics.registry.collect()
               for m in metric.samples if m.name == name)


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)


async def load_with_a_full_disk(data: Path, items: list[str]) -> None:
    container = bootstrap(Settings(data_dir=data, worker_poll_timeout=0.02,
                                   worker_backoff_base=0.01, worker_backoff_max=0.05,
                                   worker_retries=2))
    store = container.store
    assert isinstance(store, SqliteReadStore)
    async with running(container):
        fill_the_disk(store, full=True)
        for v in range(VOTERS):  # the log takes every ballot meanwhile
            for n, item in enumerate(items):
                await container.handle(CastBallot(
                    item, ParticipantContext(f"voter-{v}"), "agree",
                    ("agree", "disagree", "neutral")[(n + v) % 3]),
                    Meta(Actor(f"voter-{v}", "participant")))

        async def stuck() -> bool:  # the projections hit the full disk, many times
            return sample(container, "parlons_transient_errors_total") >= 60
        await until(stuck, "the read store never filled up: the test would prove nothing")
        assert await compare(container.log, container.store) != []  # tallies behind the log

        fill_the_disk(store, full=False)

        async def caught_up() -> bool:
            return not any([await w.lag() for w in container.built_workers])
        await until(caught_up, "the projections did not catch up once space returned")
        assert await compare(container.log, container.store) == []
        assert await pending(container.log) == []
        assert sample(container, "parlons_dead_letters_total") == 0


def test_disk_full_during_a_load_no_dead_letter_and_the_tallies_equal_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    items = asyncio.run(seed_vote(tmp_path, 3))
    asyncio.run(load_with_a_full_disk(tmp_path, items))
    alerts = [r for r in caplog.records if r.getMessage() == "transient failure, retrying"]
    assert {getattr(r, "error_type", None) for r in alerts} == {"StoreUnavailable"}
    assert all("database or disk is full" in getattr(r, "error", "") for r in alerts)
