"""A demo consultation for `parlons serve --demo`, seeded through the command
handler like any other (so it is in the log and every projection)."""

from __future__ import annotations

from services.consultation.commands import CreateConsultation
from services.consultation.model import stream_of
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import Container

DEMO_CONSULTATION_ID = "01930000-0000-7000-8000-00000000de70"


async def seed_demo(container: Container) -> bool:
    """Create the demo consultation unless the log already has it."""
    if await container.log.stream_version(stream_of(DEMO_CONSULTATION_ID)) > 0:
        return False
    await container.handle(
        CreateConsultation(
            consultation_id=DEMO_CONSULTATION_ID,
            title="Quelle place pour le vélo dans notre ville ?",
            slug="velo-en-ville",
            summary="Donnez votre avis sur les pistes cyclables, le stationnement des vélos "
                    "et la sécurité des trajets du quotidien.",
        ),
        Meta(actor=Actor.system()),
    )
    return True
