from __future__ import annotations

import pytest

from vote.world import World


@pytest.fixture
async def world() -> World:
    return await World().setup()
