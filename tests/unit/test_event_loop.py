"""Which event loop the servers run on (ADR 0100)."""

from __future__ import annotations

import asyncio
import sys

import pytest
import uvloop

from services.runtime import event_loop
from services.runtime.settings import Settings


async def _loop_class() -> type:
    return type(asyncio.get_running_loop())


def test_auto_runs_on_uvloop_when_it_is_installed() -> None:
    assert event_loop.run(_loop_class(), "auto") is uvloop.Loop


def test_asyncio_keeps_the_standard_loop() -> None:
    assert not issubclass(event_loop.run(_loop_class(), "asyncio"), uvloop.Loop)


def test_without_uvloop_auto_falls_back_and_uvloop_refuses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    assert not issubclass(event_loop.run(_loop_class(), "auto"), uvloop.Loop)
    with pytest.raises(RuntimeError, match="uvloop is not installed"):
        event_loop.loop_factory("uvloop")


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().event_loop == "auto"
    monkeypatch.setenv("PARLONS_EVENT_LOOP", "asyncio")
    assert Settings().event_loop == "asyncio"
    monkeypatch.setenv("PARLONS_EVENT_LOOP", "trio")
    with pytest.raises(ValueError):
        Settings()
