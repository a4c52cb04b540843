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
from services.identity.streams import (
    consultation_settings_stream,
    participant_stream,
    sessions_stream,
)
from services.identity.vault import Vault
from services.store.projection import Projection

Handler = Callable[..., Awaitable[Any]]

PROJECTIONS: tuple[Callable[[], Projection], ...] = (IdentityProjection,)

HANDLERS: dict[type, Handler] = {
    c.RegisterParticipant: h.register_participant,
    c.ChangeProfile: h.change_profile,
    c.ChangeEmail: h.change_email,
    c.RecordProfileChange: h.record_profile_change,
    c.RaiseIdentityLevel: h.raise_identity_level,
    c.RecordSignIn: h.record_sign_in,
    c.GrantRole: h.grant_role,
    c.RevokeRole: h.revoke_role,
    c.EraseParticipant: h.erase_participant,
    c.SetAnonymousProofOfWork: h.set_anonymous_proof_of_work,
    c.RevokeSessions: h.revoke_sessions,
}


def _participant(command: Any) -> str:
    return participant_stream(command.participant_id)


# Sent by a distributed front to the identity replica owning the partition of the
# stream the command appends to (identity.events is keyed by stream): one writer
# per participant, consultation setting and session subject (ADR 0085). Their
# streams are read from the log (fresh, ADR 0080): a participant's first event is
# the registration, appended by the front (below), which the replica reads there.
# Not routed: `RegisterParticipant`. It carries the person's e-mail, pseudonym and
# postcode in clear, which must stop at the vault: a command topic keeps its
# records a day on every broker's disk, beyond the reach of crypto-shredding. Its
# uniqueness is the vault's (lookups claimed `IF NOT EXISTS` with Cassandra, ADR
# 0077), its participant stream is new (a fresh id), and nobody appends to it
# before the registration is answered.
# Not routed either: `ChangeProfile`, for the same reason (a new pseudonym and
# postcode in clear). It writes the vault (unique lookups, as above) and the new
# pseudonym's reservation stream (new, as at registration), never the
# participant's stream: what changed (field names only) is recorded there by the
# routed `RecordProfileChange`, so that stream keeps its one writer (ADR 0145).
# Nor `ChangeEmail` (a new address in clear), recorded the same way.
ROUTED: dict[type, Callable[[Any], str]] = {
    c.RaiseIdentityLevel: _participant,
    c.RecordSignIn: _participant,
    c.RecordProfileChange: _participant,
    c.GrantRole: _participant,
    c.RevokeRole: _participant,
    c.EraseParticipant: _participant,
    c.SetAnonymousProofOfWork: lambda command: consultation_settings_stream(
        command.consultation_id),
    c.RevokeSessions: lambda command: sessions_stream(command.subject),
}
NOT_ROUTED: frozenset[type] = frozenset({c.RegisterParticipant, c.ChangeProfile,
                                         c.ChangeEmail})


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
