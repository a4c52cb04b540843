"""The steps the demo's participation is written with (demo_participation.py,
demo_responses.py): the composition root's handlers, on a clock set in the past
when a step belongs to a past phase, tried again while the read model a step
decides on has not caught up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from services.core.clock import FixedClock
from services.core.envelope import Actor
from services.core.errors import DomainError, NotFound
from services.core.events import Meta
from services.core.participants import ModeratorContext, ParticipantContext
from services.deposit.commands import SubmitProposal
from services.deposit.model import contribution_stream
from services.moderation.commands import ClaimItem, Decide
from services.runtime.bootstrap import Container
from services.vote.items import PUBLISHED, StorePublishedItems

T = TypeVar("T")

MODERATOR = ModeratorContext("demo-moderation")
SYSTEM = Meta(actor=Actor.system())
RETRY_PAUSE_S = 0.05


class DemoSteps:
    def __init__(self, container: Container, timeout_s: float) -> None:
        self.container = container
        self.timeout_s = timeout_s
        self.items = StorePublishedItems(container.store)

    async def handle(self, command: object, at: datetime | None = None) -> Any:
        """The composition root's handler; `at` swaps its clock for one set then."""
        handler = self.container.handlers[type(command)]
        if at is None:
            return await handler(command, meta=SYSTEM)
        return await handler(command, meta=SYSTEM, clock=FixedClock(at))

    async def eventually(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """`attempt` again while the read model it decides on has not caught up
        (a refusal or `NotFound`: a step raises `NotFound` for what is not there yet)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        while True:
            try:
                return await attempt()
            except (DomainError, NotFound) as error:
                if loop.time() > deadline:
                    raise TimeoutError(f"demo participation: read models did not catch up "
                                       f"({error})") from error
                await asyncio.sleep(RETRY_PAUSE_S)

    async def phases(self, consultation_id: str) -> dict[str, dict[str, Any]]:
        doc = await self.container.store.get("consultation_detail", "all", consultation_id)
        if not doc or not doc.get("published"):
            raise NotFound("Consultation")
        return {p["phase_id"]: p for p in doc["phases"]}

    async def proposal(self, contribution_id: str, consultation_id: str,
                       who: ParticipantContext, title: str, body: str, at: datetime) -> int:
        if await self.container.log.stream_version(contribution_stream(contribution_id)):
            return 0
        await self.eventually(lambda: self.handle(
            SubmitProposal(contribution_id, consultation_id, who, title, body), at))
        return 1

    async def approve(self, contribution_id: str, consultation_id: str, at: datetime) -> int:
        """Claim and approve as the demo's moderator; returns once published."""
        if await self.published(contribution_id):
            return 0
        await self.eventually(lambda: self.handle(
            ClaimItem(contribution_id, consultation_id, MODERATOR), at))
        await self.eventually(lambda: self.handle(
            Decide(contribution_id, consultation_id, MODERATOR, "approved"), at))

        async def shown() -> None:
            if not await self.published(contribution_id):
                raise NotFound("Proposition publiée")
        await self.eventually(shown)  # votes decide on the published items
        return 2

    async def published(self, contribution_id: str) -> bool:
        item = await self.items.get(contribution_id)
        return item is not None and item.status == PUBLISHED
