"""Starts a real Parlons for the vote pages (see vote_pages.mjs) after seeding,
through the command handlers, a published consultation open to anonymous
participants, under post-moderation, whose phase open now allows every kind of
vote, with six proposals by six authors (the sequence never serves two proposals
of one author). Prints `seeded <cid> <slug>` once the vote sees every proposal.
Stops on SIGTERM."""

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
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal
from services.runtime.bootstrap import Container
from services.vote.items import StorePublishedItems

CID = "01930000-0000-7000-8000-00000000e2e9"
SLUG = "budget-participatif-ecoles"
DAY = timedelta(days=1)
PROPOSALS = ["Une cour d'école végétalisée", "Des fontaines à eau dans chaque école",
             "Un local à vélos pour les élèves", "Des jeux pour les maternelles",
             "Une bibliothèque ouverte le samedi", "Des ateliers de jardinage"]


async def seed(container: Container) -> str:
    """Writes the journey's data; returns the words the test needs."""
    now = container.clock.now()
    meta = Meta(actor=Actor("orga", "organiser"))
    for cmd in (
        CreateConsultation(CID, "Budget participatif des écoles", SLUG,
                           summary="Votez pour les projets des écoles.",
                           organiser="Ville de Lyon", identity_level="anonymous",
                           moderation="post"),
        SchedulePhases(CID, (PhaseSpec(
            "vote", "vote", "Proposer et voter", now - DAY, now + 10 * DAY,
            actions=("deposit", "vote_agree", "vote_support", "vote_ranking")),)),
        PublishConsultation(CID),
    ):
        await container.handle(cmd, meta)
    while not (await container.store.get("consultation_detail", "all", CID) or {}).get("published"):
        await asyncio.sleep(0.05)  # deposits decide on the projected consultation
    ids = [f"{CID}-p{n + 1}" for n in range(len(PROPOSALS))]
    for n, (item, title) in enumerate(zip(ids, PROPOSALS, strict=True)):
        who = ParticipantContext(f"e2e-auteur-{n + 1}")
        await container.handle(SubmitProposal(item, CID, who, title,
                                              f"{title} : le projet en quelques lignes."),
                               Meta(actor=Actor(who.participant_id, "participant")))
    items = StorePublishedItems(container.store)
    while len(await items.in_consultation(CID)) < len(ids):
        await asyncio.sleep(0.1)
    return f"{CID} {SLUG}"


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), seed))
