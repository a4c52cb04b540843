"""The demo for `parlons serve --demo`: the consultation service's demo seed
(services/consultation/demo.py), run through the command handlers like any other
content, so it is in the log and every projection."""

from __future__ import annotations

from services.runtime.bootstrap import Container


async def seed_demo(container: Container) -> bool:
    """Seed the demo unless the log already has it; True when something was created."""
    from services.consultation.demo import seed_demo as seed_consultations

    created = await seed_consultations(log=container.log, clock=container.clock)
    return created > 0
