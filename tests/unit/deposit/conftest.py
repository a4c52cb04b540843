from __future__ import annotations

import pytest
from harness.deposit_world import World


@pytest.fixture
async def world() -> World:
    return await World().setup()
