"""What the identity service contributes to the composition root: its ports
(built from settings), handlers, projection and web routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.core.clock import Clock, SystemClock
from services.core.projection import Projection
from services.identity import commands as c
from services.identity import handlers as h
from services.identity.export import ExportSource
from services.identity.magiclink import MagicLinks
from services.identity.mailer import OutboxMailer, SmtpMailer
from services.identity.ports import Mailer, OutboxStore, TokenLedger
from services.identity.pow import ProofOfWork
from services.identity.projections import IdentityProjection
from services.identity.ratelimit import MemoryRateLimiter, RateLimiter
from services.identity.settings import IdentitySettings
from services.identity.vault import Vault

if TYPE_CHECKING:
    from services.runtime.settings import Settings

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


def build_ports(runtime: Settings | None = None, *, settings: IdentitySettings | None = None,
                clock: Clock | None = None, memory: bool | None = None) -> IdentityPorts:
    s = settings or IdentitySettings()
    clock = clock or SystemClock()
    secret = s.resolved_secret()
    in_memory = memory if memory is not None else (runtime is None
                                                   or runtime.read_store == "memory")
    vault: Vault
    ledger: TokenLedger
    outbox: OutboxStore
    if in_memory:
        from services.identity.memory import MemoryOutbox, MemoryTokenLedger, MemoryVault

        vault, ledger, outbox = MemoryVault(secret), MemoryTokenLedger(), MemoryOutbox()
    else:
        from services.identity.sqlite import (
            IdentityDb,
            SqliteOutbox,
            SqliteTokenLedger,
            SqliteVault,
        )

        assert runtime is not None
        db = IdentityDb(runtime.data_dir / "identity.db")
        vault, ledger, outbox = SqliteVault(db, secret), SqliteTokenLedger(db), SqliteOutbox(db)
    mailer: Mailer = (OutboxMailer(outbox, vault, clock) if s.mail_backend == "outbox" else
                      SmtpMailer(host=s.smtp_host, port=s.smtp_port, sender=s.mail_from,
                                 user=s.smtp_user, password=s.smtp_password,
                                 starttls=s.smtp_starttls))
    return IdentityPorts(
        settings=s, vault=vault, ledger=ledger, outbox=outbox, mailer=mailer,
        limiter=MemoryRateLimiter(), clock=clock,
        links=MagicLinks(secret, ledger=ledger, clock=clock, minutes=s.magic_link_minutes),
        pow=ProofOfWork(secret, ledger=ledger, clock=clock, bits=s.pow_difficulty_bits,
                        ttl_seconds=s.pow_ttl_seconds, wait_seconds=s.pow_wait_seconds))


def install(app: Any, container: Any) -> None:
    """The `ServiceSpec.install` hook: the identity pages on the web front end."""
    from services.web.identity_wiring import install_identity_web

    install_identity_web(app, container)
