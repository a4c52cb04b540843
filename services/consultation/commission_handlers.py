"""Handlers for commissions: created, renamed and redescribed, their members and
reports, removed (ADR 0140). Ports as keyword arguments: `log`, `clock`, `meta`.
Each decides on the commission's stream read from the log."""

from __future__ import annotations

from collections.abc import Callable

from services.consultation import commissions as k
from services.consultation.content_commands import (
    AddCommissionMember,
    CreateCommission,
    EditCommission,
    PublishCommissionReport,
    RemoveCommission,
    RemoveCommissionMember,
)
from services.consultation.content_handlers import require_consultation
from services.consultation.streams import load
from services.core.clock import Clock
from services.core.events import DomainEvent, Meta
from services.eventlog.port import EventLog, append_at

Decide = Callable[[k.Commission], list[DomainEvent]]


async def load_commission(log: EventLog, commission_id: str) -> k.Commission:
    state = k.Commission()
    for event in (await load(log, k.commission_stream(commission_id)))[1]:
        state = k.evolve_commission(state, event)
    return state


async def _decide(commission_id: str, decide: Decide, *, log: EventLog, clock: Clock,
                  meta: Meta, consultation_id: str = "") -> None:
    """Fold the commission, decide, append at the version read."""
    state = await load_commission(log, commission_id)
    events = decide(state)
    await append_at(log, clock=clock, meta=meta,
                    consultation_id=state.consultation_id or consultation_id,
                    writes=[(k.commission_stream(commission_id), state.version, events)])


async def create_commission(cmd: CreateCommission, *, log: EventLog, clock: Clock,
                            meta: Meta) -> str:
    await require_consultation(log, cmd.consultation_id)
    await _decide(cmd.commission_id, lambda s: k.decide_create_commission(s, cmd), log=log,
                  clock=clock, meta=meta, consultation_id=cmd.consultation_id)
    return cmd.commission_id


async def edit_commission(cmd: EditCommission, *, log: EventLog, clock: Clock,
                          meta: Meta) -> None:
    await _decide(cmd.commission_id, lambda s: k.decide_edit(s, cmd), log=log, clock=clock,
                  meta=meta)


async def remove_commission(cmd: RemoveCommission, *, log: EventLog, clock: Clock,
                            meta: Meta) -> None:
    await _decide(cmd.commission_id, lambda s: k.decide_remove(s, cmd), log=log, clock=clock,
                  meta=meta)


async def add_commission_member(cmd: AddCommissionMember, *, log: EventLog, clock: Clock,
                                meta: Meta) -> None:
    await _decide(cmd.commission_id, lambda s: k.decide_add_member(s, cmd), log=log,
                  clock=clock, meta=meta)


async def remove_commission_member(cmd: RemoveCommissionMember, *, log: EventLog,
                                   clock: Clock, meta: Meta) -> None:
    await _decide(cmd.commission_id, lambda s: k.decide_remove_member(s, cmd), log=log,
                  clock=clock, meta=meta)


async def publish_commission_report(cmd: PublishCommissionReport, *, log: EventLog,
                                    clock: Clock, meta: Meta) -> None:
    await _decide(cmd.commission_id, lambda s: k.decide_report(s, cmd), log=log, clock=clock,
                  meta=meta)
