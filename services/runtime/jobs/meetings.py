"""`parlons meeting-notices`: one pass of the meeting messages (the scheduler and
`parlons serve` run it every `PARLONS_SCHEDULE_MEETING_NOTICES_S`): the seat
given to the first one waiting, the reminder the day before (ADR 0065), a
meeting's cancellation to the people seated or waiting (ADR 0139)."""

from __future__ import annotations

from services.consultation.meeting_notices import (
    send_cancellation_notices,
    send_promotion_notices,
    send_reminders,
)
from services.core.envelope import Actor
from services.core.events import Meta
from services.identity.mailer import VaultMail
from services.identity.service import IdentityPorts
from services.runtime.bootstrap import bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings


async def meeting_notices_command(settings: Settings) -> int:
    container = bootstrap(settings, services=["consultation", "identity"])
    async with running(container, workers=False):
        identity = container.port("identity", IdentityPorts)
        ports = {"log": container.log, "store": container.store, "clock": container.clock,
                 "mail": VaultMail(identity.vault, identity.mailer),
                 "meta": Meta(actor=Actor.system()),
                 "public_url": identity.settings.public_url}
        promoted = await send_promotion_notices(**ports)  # type: ignore[arg-type]
        reminded = await send_reminders(**ports)  # type: ignore[arg-type]
        told = await send_cancellation_notices(**ports)  # type: ignore[arg-type]
    print(f"meeting-notices: {promoted} seats announced, {reminded} reminders sent, "
          f"{told} cancellations told")
    return 0
