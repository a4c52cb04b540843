"""Fixtures shared by the contract tests' SQLite-only files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.core.schema_registry import SchemaRegistry
from services.eventlog.sqlite import SqliteEventLog

_REGISTRY = SchemaRegistry()


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[SqliteEventLog]:
    """A started SQLite event log in the test's folder, closed after it (a module's
    own `log` fixture takes precedence)."""
    log = SqliteEventLog(tmp_path / "events.db", key_for=_REGISTRY.key)
    await log.start()
    yield log
    await log.close()
