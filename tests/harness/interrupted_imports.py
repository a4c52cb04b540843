"""A Pol.is import interrupted part way (ADR 0124): the event log goes away after
some of the import's chunks, and comes back once the test says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from services.core.errors import EventLogUnavailable
from services.synthesis.polis import importer

CHUNK = 1000  # a chunk of these imports: the Brexit export is six of them


@contextmanager
def log_gone_after(monkeypatch: pytest.MonkeyPatch, owner: Any, chunks: int) -> Iterator[None]:
    """Within the block, `owner.append` (one event log, or a log class: all its
    instances) writes the first `chunks` appends and raises `EventLogUnavailable`
    at each after them; as it was after the block. Imports append CHUNK events at
    a time and stop at their first failure (their retries off)."""
    monkeypatch.setattr(importer, "CHUNK", CHUNK)
    monkeypatch.setattr(importer, "RETRY_WAITS", ())
    real = owner.__dict__["append"] if isinstance(owner, type) else owner.append
    written = 0

    def gone() -> bool:
        nonlocal written
        written += 1
        return written > chunks

    if isinstance(owner, type):
        async def append(self: Any, *args: Any, **kwargs: Any) -> Any:
            if gone():
                raise EventLogUnavailable("the log went away")
            return await real(self, *args, **kwargs)
    else:
        async def append(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            if gone():
                raise EventLogUnavailable("the log went away")
            return await real(*args, **kwargs)
    monkeypatch.setattr(owner, "append", append)
    try:
        yield
    finally:
        monkeypatch.setattr(owner, "append", real)
