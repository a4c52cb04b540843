"""What the identity service contributes to the composition root: its handlers,
its projection, and the bundle of its own ports (vault, token ledger, outbox,
mailer, rate limiter, magic links, proof of work) over the adapters the root
chose (services/runtime/adapters.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from services.core.clock import Clock
from services.identity import commands as c
from services.identity import handlers as h
from services.identity.export import ExportSource
from services.identity.magiclink import MagicLinks
from services.identity.ports import Mailer, OutboxStore, TokenLedger
from services.identity.pow import ProofOfWork
from services.identity.projections import IdentityProjection
from services.identity.ratelimit import MemoryRateLimiter, RateLimiter
from services.identity.settings import IdentitySettings
from services.identity.vault import Vault
from services.store.projection import Projection

Handler = Callable[..., Awaitable[Any]]

PROJECTIONS: tuple[Callable[[], Projection], ...] = (IdentityProjection,)

HANDLERS: dict[type, Handler] = {
    c.RegisterParticipant: h.register_participant,
    c.RaiseIdentityLevel: h.raise_identity_level,
    c.RecordSignIn: h.record_sign_in,
    c.GrantRole: h.grant_role,
    c.RevokeRole: h.revoke_role,
    c.EraseParticipant: h.erase_participant,
    c.SetAnonymousProofOfWork: h.set_anonymous_proof_of_work,
    c.RevokeSessions: h.revoke_sessions,
}


@dataclass
class IdentityPorts:
    settings: IdentitySettings
    vault: Vault
    ledger: TokenLedger
    outbox: OutboxStore
    mailer: Mailer
    limiter: RateLimiter
    links: MagicLinks
    pow: ProofOfWork
    clock: Clock
    # Later services (deposit, vote) add what a participant's export includes.
    export_sources: dict[str, ExportSource] = field(default_factory=dict)

    def as_deps(self) -> dict[str, object]:
        """The names handlers ask for (services.runtime.bootstrap binds them)."""
        return {"vault": self.vault, "outbox": self.outbox, "identity": self}


def build_ports(settings: IdentitySettings, clock: Clock, *, vault: Vault, ledger: TokenLedger,
                outbox: OutboxStore, mailer: Mailer,
                limiter: RateLimiter | None = None) -> IdentityPorts:
    """The identity ports over the stores, mailer and rate limiter the
    composition root chose (`limiter`: one process's counters by default)."""
    secret = settings.resolved_secret()
    limiter = limiter or MemoryRateLimiter()
    return IdentityPorts(
        settings=settings, vault=vault, ledger=ledger, outbox=outbox, mailer=mailer,
        limiter=limiter, clock=clock,
        links=MagicLinks(secret, ledger=ledger, clock=clock,
                         minutes=settings.magic_link_minutes),
        pow=ProofOfWork(secret, ledger=ledger, limiter=limiter, clock=clock,
                        bits=settings.pow_difficulty_bits,
                        ttl_seconds=settings.pow_ttl_seconds,
                        wait_seconds=settings.pow_wait_seconds))
