"""What a test of `parlons` commands (`services.runtime.cli.main`) needs around
them: the settings a command reads from its environment, and the root logger put
back afterwards (`main()` configures logging for a whole process)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from services.runtime.logging import QUIETED


def command_settings(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    """`PARLONS_<NAME>` for each setting given, e.g. `DATA_DIR=...`."""
    for name, value in settings.items():
        monkeypatch.setenv(f"PARLONS_{name}", value)


@contextmanager
def logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    # configure_logging also turns off the module's caller and thread look-ups
    flags = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")
    saved = {flag: getattr(logging, flag) for flag in flags}
    quieted = {name: logging.getLogger(name).level for name in QUIETED}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, was in quieted.items():
            logging.getLogger(name).setLevel(was)
        for flag, value in saved.items():
            setattr(logging, flag, value)
        logging.getLogger("uvicorn.access").disabled = False


@contextmanager
def commands_over(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                  **settings: str) -> Iterator[Path]:
    """`main()` over the data folder `data_dir`, its workers polling every 20 ms,
    warnings only in its log (and `settings`); the root logger as it was afterwards."""
    command_settings(monkeypatch, DATA_DIR=str(data_dir), WORKER_POLL_TIMEOUT="0.02",
                     LOG_LEVEL="WARNING", **settings)
    with logging_restored():
        yield data_dir
