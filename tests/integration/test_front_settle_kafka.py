"""Read-your-writes for a front that runs no workers (ADR 0036): in the
distributed topology the back office's `settle` waits on the lag of every
consumer group of the hosted services, read from outside the groups; over
SQLite there is no such front to watch for (`serve --workers`' HTTP processes
watch the projections process instead)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.consultations import open_vote
from harness.platform import open_platform, until
from harness.routing import platform_on_a_broker

from services.runtime.cli import watch_groups

pytestmark = pytest.mark.kafka


async def test_the_groups_watched_are_those_the_workers_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with platform_on_a_broker(tmp_path, monkeypatch) as p:
        [groups] = watch_groups(p.container)
        await open_vote(p)  # events of several services, consumed by the workers
        topics = {t for c in p.container.consumers for t in c.topics}

        async def caught_up() -> bool:  # up to the log's ends now
            return await groups.behind({t: await p.container.log.ends(t) for t in topics}) == 0

        # every group named is one a worker commits: a group nobody runs would
        # keep its lag at everything the topics hold
        await until(caught_up, timeout=20)


async def test_over_sqlite_no_group_is_watched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_platform(tmp_path, monkeypatch) as p:
        assert watch_groups(p.container) == []
