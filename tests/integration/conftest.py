"""Fixtures of the integration tests: the embedded platform most HTTP tests
stand on (a module needing other settings defines its own `platform`), and the
real processes a test starts, stopped when it ends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from harness.platform import Platform, open_platform
from harness.processes import Parlons, stop_all


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        yield p


@pytest.fixture
def processes() -> Iterator[list[Parlons]]:
    started: list[Parlons] = []
    yield started
    stop_all(started)
