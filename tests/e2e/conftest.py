"""The Parlons of the participant journey (serve_participant.py), shared by the
journeys that start from its data; a module on other data defines its own
`server`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.e2e import served


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    with served("serve_participant.py", tmp_path) as started:
        yield started
