"""`parlons retention`: deletes what the retention settings expire -- outbox
messages, consumed magic-link tokens, accounts inactive too long (erased through
the `EraseParticipant` command, like a person asking for it: with the Kafka
command bus, sent to the identity replica owning the participant, ADR 0085)."""

from __future__ import annotations

from services.core.envelope import Actor
from services.core.events import Meta
from services.identity.commands import EraseParticipant
from services.identity.retention import apply_retention
from services.identity.service import IdentityPorts
from services.runtime.bootstrap import bootstrap
from services.runtime.command_processes import front_commands
from services.runtime.runner import running
from services.runtime.settings import Settings

RETENTION_ACTOR = Actor(id="retention", role="system")


async def retention_command(settings: Settings) -> int:
    container = bootstrap(settings, services=["identity"])
    async with running(container, workers=False), front_commands(container):
        identity = container.ports["identity"]
        assert isinstance(identity, IdentityPorts)
        meta = Meta(actor=RETENTION_ACTOR)
        report = await apply_retention(
            identity, store=container.store,
            erase=lambda pid: container.handle(EraseParticipant(pid), meta))
    print(f"retention: {report.outbox_deleted} outbox messages deleted, "
          f"{report.tokens_forgotten} expired tokens forgotten, "
          f"{report.accounts_erased} inactive accounts erased")
    return 0
