"""`parlons export opendata`: bad input is refused with exit code 2."""

from __future__ import annotations

from pathlib import Path

from services.runtime.jobs.opendata import export_command
from services.runtime.settings import Settings


async def test_cli_refuses_an_unknown_consultation(tmp_path: Path) -> None:
    settings = Settings(event_log="memory", read_store="memory", data_dir=tmp_path)
    assert await export_command(settings, "nope", None, daily=False) == 2
    assert await export_command(settings, None, None, daily=False) == 2
    assert await export_command(settings, None, None, daily=True) == 0  # nothing to publish
