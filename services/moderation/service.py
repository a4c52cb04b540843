"""What the moderation service contributes to the composition root. The
automatic-moderation process manager asks for `log` and `clock` (the runtime
binds a factory's keyword parameters like a handler's). Its commands routed to
its replicas in the distributed topology (ADR 0078)."""

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


def _by_item(command: c.ClaimItem | c.Decide | c.MaskPersonalData) -> str:
    return h.item_stream(command.contribution_id)


def _by_appeal(command: c.LodgeAppeal | c.DecideAppeal) -> str:
    return h.appeal_stream(command.contribution_id)


def _by_flag(command: c.FlagContribution) -> str:
    return h.flag_stream(command.contribution_id, command.participant.participant_id)


def _by_charter(command: c.SetCharter) -> str:
    return h.charter_stream(command.consultation_id)


def _by_campaign(command: c.DecideCampaign) -> str:
    return f"modcampaign-{command.consultation_id}-{command.group_id}"


# Sent to the moderation replicas in the distributed topology (ADR 0078), keyed as
# moderation.events (by stream): the owner of an item's stream's partition decides
# its claims, decisions and masks; its appeal, each flag and a consultation's
# charter are streams of their own.
ROUTED: dict[type, Callable[[Any], str]] = {
    c.ClaimItem: _by_item, c.Decide: _by_item, c.MaskPersonalData: _by_item,
    c.LodgeAppeal: _by_appeal, c.DecideAppeal: _by_appeal,
    c.FlagContribution: _by_flag, c.SetCharter: _by_charter,
    c.DecideCampaign: _by_campaign,
}
# Keyed otherwise than the events it writes: a campaign decision is one atomic
# append to the item streams of a whole group, which live on many partitions. It
# is decided by one replica (its group's), on the log read to its end first, but
# those item streams' owners may write them in the same moment (ADR 0078).
NOT_CO_PARTITIONED: frozenset[type] = frozenset({c.DecideCampaign})

# An item is decided on streams other writers append: the contribution's (the
# deposit replicas), its automatic checks (the moderation process manager), and
# its moderation and appeal streams (two partitions of moderation.events).
ROUTED_READS: dict[type, tuple[str, ...]] = {
    kind: ("deposit.events", "moderation.events") for kind in ROUTED if kind is not c.SetCharter}
