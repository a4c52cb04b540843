"""Starts a real Parlons for the participant journey (see serve_web.py) after
seeding, through the command handlers, a published Grand Débat consultation under
pre-moderation: the "Transition écologique" questionnaire of the official import,
a questionnaire phase open now and a deposit phase after it (the organiser moves
the deposit phase to now during the journey). Stops on SIGTERM."""

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
from services.consultation.content_commands import ScheduleMeeting
from services.consultation.granddebat import import_granddebat
from services.core.envelope import Actor
from services.core.events import Meta
from services.identity import model as identity_model
from services.identity.commands import GrantRole, RegisterParticipant
from services.runtime.bootstrap import Container

CID = "01930000-0000-7000-8000-00000000e2e5"
SLUG = "grand-debat-transition"
DAY = timedelta(days=1)
MODERATOR_EMAIL = "modo@example.org"
MEETING = "rencontre-e2e"


async def seed(container: Container) -> str:
    """Writes the journey's data; returns the words the test needs."""
    gd = import_granddebat(CID)
    now = container.clock.now()
    meta = Meta(actor=Actor("orga", "organiser"))
    transition = next(q for q in gd.questionnaires if q.title == "Transition écologique")
    for cmd in (
        CreateConsultation(CID, "Grand débat : la transition écologique", SLUG,
                           summary="Répondez au questionnaire, puis proposez et argumentez.",
                           organiser="Métropole de Lyon", identity_level="email",
                           moderation="pre", themes=gd.themes),
        SchedulePhases(CID, (
            PhaseSpec("questionnaire", "questionnaire", "Répondre au questionnaire",
                      now - DAY, now + 2 * DAY),
            PhaseSpec("depot", "deposit", "Proposer et argumenter", now + 2 * DAY,
                      now + 12 * DAY, actions=("deposit", "comment", "register_meeting")))),
        PublishConsultation(CID),
        transition,
    ):
        await container.handle(cmd, meta)
    # The moderator is registered and named here, not on the team page: that page finds
    # participants by pseudonym in the vault, which registration does not index (see
    # the session report); the journey logs the moderator in by magic link.
    moderator = identity_model.new_participant_id()
    await container.handle(RegisterParticipant(participant_id=moderator, email=MODERATOR_EMAIL,
                                               pseudonym="Modo69", postcode=""), meta)
    await container.handle(GrantRole(moderator, CID, "moderator"), meta)
    await container.handle(ScheduleMeeting(
        MEETING, CID, "Réunion publique sur la transition", now + 3 * DAY,
        now + 3 * DAY + timedelta(hours=2), address="1 place de la Comédie",
        postcode="69001", capacity=1), meta)
    return f"{CID} {SLUG} {transition_id()} {MEETING}"


def transition_id() -> str:
    return next(q.questionnaire_id for q in import_granddebat(CID).questionnaires
                if q.title == "Transition écologique")


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), seed))
