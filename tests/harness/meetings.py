"""Meetings on the embedded platform, for the meeting pages' tests: one scheduled
in « c1 » (Lyon), a participant's action on its page, the notices job's ports,
and the development outbox the notices are written to."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from harness.forms import post_form
from harness.platform import SYSTEM, Platform, until
from services.consultation.content_commands import ScheduleMeeting
from services.core.envelope import Actor
from services.core.events import Meta
from services.identity.mailer import VaultMail
from services.identity.service import IdentityPorts

JOB = Meta(actor=Actor.system())


async def meeting(p: Platform, mid: str, starts: datetime, *, capacity: int | None = 2,
                  title: str = "Réunion publique") -> str:
    """Meeting `mid` of « c1 », two hours from `starts`, once listed; its page."""
    await p.container.handle(ScheduleMeeting(
        mid, "c1", title, starts, starts + timedelta(hours=2),
        address="1 place de la Comédie", postcode="69001", capacity=capacity), SYSTEM)

    async def listed() -> bool:
        return await p.container.store.get("meetings", "all", mid) is not None
    await until(listed)
    return f"/evenements/{mid}"


async def act(client: httpx.AsyncClient, page: str, what: str) -> httpx.Response:
    """The form of `page` posted to `page/what` (« inscription », « desinscription »)."""
    return await post_form(client, page, f"{page}/{what}")


def notices(p: Platform) -> dict[str, object]:
    """The ports `parlons meeting-notices` gives its jobs."""
    identity = p.container.ports["identity"]
    assert isinstance(identity, IdentityPorts)
    return {"log": p.container.log, "store": p.container.store, "clock": p.container.clock,
            "mail": VaultMail(identity.vault, identity.mailer), "meta": JOB,
            "public_url": "https://parlons.test"}


async def outbox(p: Platform) -> list[dict[str, str]]:
    identity = p.container.ports["identity"]
    assert isinstance(identity, IdentityPorts)
    return await identity.mailer.read()  # type: ignore[attr-defined,no-any-return]
