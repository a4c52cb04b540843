"""What the moderation service contributes to the composition root. The
automatic-moderation process manager asks for `log` and `clock` (the runtime
binds a factory's keyword parameters like a handler's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.core.process import ProcessManager
from services.moderation import commands as c
from services.moderation import handlers as h
from services.moderation.process import AutoModeration
from services.moderation.publication import PublicationProjection, PublicCommentsProjection
from services.moderation.queue import QueueProjection
from services.store.projection import Projection

Handler = Callable[..., Awaitable[Any]]

PROJECTIONS: tuple[Callable[..., Projection], ...] = (
    QueueProjection, PublicationProjection, PublicCommentsProjection)
PROCESSES: tuple[Callable[..., ProcessManager], ...] = (AutoModeration,)

HANDLERS: dict[type, Handler] = {
    c.ClaimItem: h.claim_item,
    c.Decide: h.decide,
    c.MaskPersonalData: h.mask_personal_data,
    c.DecideCampaign: h.decide_campaign,
    c.FlagContribution: h.flag_contribution,
    c.LodgeAppeal: h.lodge_appeal,
    c.DecideAppeal: h.decide_appeal,
    c.SetCharter: h.set_charter,
}
