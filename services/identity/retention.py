"""Retention job (`parlons retention`): deletes what may only be kept briefly.

- outbox messages older than `outbox_retention_hours` (already delivered or
  read on the developer page);
- consumed magic-link and proof-of-work records once expired (they would fail
  on expiry anyway);
- accounts inactive (no login) for `erase_inactive_after_days` (0 = never):
  erased exactly as when the person asks (`EraseParticipant`, ADR 0012).
Rate-limit counters live in memory and forget themselves after their window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from services.identity.queries import PARTICIPANTS
from services.identity.service import IdentityPorts
from services.store.port import ReadStore

PAGE = 500


@dataclass(frozen=True, slots=True)
class RetentionReport:
    outbox_deleted: int
    tokens_forgotten: int
    accounts_erased: int = 0


async def apply_retention(ports: IdentityPorts, *, store: ReadStore | None = None,
                          erase: Callable[[str], Awaitable[object]] | None = None
                          ) -> RetentionReport:
    """`store` and `erase` (runs `EraseParticipant`) are needed for inactive accounts."""
    now = ports.clock.now()
    cutoff = now - timedelta(hours=ports.settings.outbox_retention_hours)
    erased = 0
    days = ports.settings.erase_inactive_after_days
    if days and store is not None and erase is not None:
        for pid in await inactive_participants(store, (now - timedelta(days=days)).isoformat()
                                               .replace("+00:00", "Z")):
            await erase(pid)
            erased += 1
    return RetentionReport(outbox_deleted=await ports.outbox.purge(cutoff),
                           tokens_forgotten=await ports.ledger.purge(now),
                           accounts_erased=erased)


async def inactive_participants(store: ReadStore, before_iso: str) -> list[str]:
    """Not erased, last login (or registration) before `before_iso` (ISO, UTC, Z)."""
    found: list[str] = []
    after: str | None = None
    while True:
        rows = await store.list(PARTICIPANTS, "all", limit=PAGE, after=after)
        for pid, doc in rows:
            last = str(doc.get("last_active_at") or doc.get("registered_at") or "")
            if not doc.get("erased") and last and last < before_iso:
                found.append(pid)
        if len(rows) < PAGE:
            return found
        after = rows[-1][0]
