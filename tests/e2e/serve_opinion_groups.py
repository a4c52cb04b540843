"""Starts a real Parlons for the opinion groups pages (see opinion_groups_pages.mjs)
after seeding, through the command handlers, a published consultation; the
browser uploads the shipped Brexit Pol.is conversation into it. Prints `seeded
<cid> <slug>`. Stops on SIGTERM."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from serve_web import serve

from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import Container

CID = "01930000-0000-7000-8000-00000000e264"
SLUG = "consensus-brexit"
DAY = timedelta(days=1)


async def seed(container: Container) -> str:
    now = container.clock.now()
    meta = Meta(actor=Actor("orga", "organiser"))
    for cmd in (
        CreateConsultation(CID, "Un consensus sur le Brexit ?", SLUG,
                           summary="Une conversation Pol.is importée.", organiser="Parlons",
                           identity_level="email", moderation="post"),
        SchedulePhases(CID, (PhaseSpec("depot", "deposit", "Proposer", now - DAY,
                                       now + 10 * DAY),)),
        PublishConsultation(CID),
    ):
        await container.handle(cmd, meta)
    while await container.store.get("consultation_detail", "all", CID) is None:
        await asyncio.sleep(0.1)
    return f"{CID} {SLUG}"


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), seed))
