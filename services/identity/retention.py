"""Retention job (`parlons retention`): deletes what may only be kept briefly.

- outbox messages older than `outbox_retention_hours` (already delivered or
  read on the developer page);
- consumed magic-link and proof-of-work records once expired (they would fail
  on expiry anyway).
Rate-limit counters live in memory and forget themselves after their window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.identity.service import IdentityPorts


@dataclass(frozen=True, slots=True)
class RetentionReport:
    outbox_deleted: int
    tokens_forgotten: int


async def apply_retention(ports: IdentityPorts) -> RetentionReport:
    now = ports.clock.now()
    cutoff = now - timedelta(hours=ports.settings.outbox_retention_hours)
    return RetentionReport(outbox_deleted=await ports.outbox.purge(cutoff),
                           tokens_forgotten=await ports.ledger.purge(now))
