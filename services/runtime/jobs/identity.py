"""`parlons retention`: deletes what the retention settings expire -- outbox
messages, consumed magic-link tokens, accounts inactive too long (erased through
the `EraseParticipant` command, like a person asking for it: with the Kafka
command bus, sent to the identity replica owning the participant, ADR 0085).

`parlons erase (--email A | --pseudonym P | --participant ID) [--yes]`: an operator
erases an account its owner cannot reach (a lost mailbox), once the organiser has
checked who asks (ADR 0128); without `--yes`, says whom it would erase and
changes nothing. `parlons erase --after-restore`: every participant the log says
was erased is shredded again in the vault, whose restored backup held their keys."""

from __future__ import annotations

import sys

from services.core.envelope import Actor
from services.core.errors import CommandTimedOut, DomainError, EventLogUnavailable
from services.core.events import Meta
from services.core.plurals import english_count
from services.eventlog.port import read_all
from services.identity import model
from services.identity.commands import EraseParticipant
from services.identity.events import ParticipantErased
from services.identity.retention import apply_retention
from services.identity.service import IdentityPorts
from services.identity.streams import TOPIC, participant_stream
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.command_processes import front_commands
from services.runtime.runner import running
from services.runtime.settings import Settings

RETENTION_ACTOR = Actor(id="retention", role="system")
OPERATOR_ACTOR = Actor(id="operator", role="system")  # `parlons erase`: who, not whom


async def retention_command(settings: Settings) -> int:
    container = bootstrap(settings, services=["identity"])
    async with running(container, workers=False), front_commands(container):
        identity = container.port("identity", IdentityPorts)
        meta = Meta(actor=RETENTION_ACTOR)
        try:
            report = await apply_retention(
                identity, store=container.store,
                erase=lambda pid: container.handle(EraseParticipant(pid), meta))
        except (CommandTimedOut, EventLogUnavailable) as unknown:
            # an inactive account's erasure unanswered: the next run takes the
            # accounts up again, and finishes one whose key is already gone
            print(f"retention: {unknown}; stopped there: the next run goes on",
                  file=sys.stderr)
            return 3
    print(f"retention: {report.outbox_deleted} outbox messages deleted, "
          f"{report.tokens_forgotten} expired tokens forgotten, "
          f"{report.accounts_erased} inactive accounts erased")
    return 0


async def erase_command(settings: Settings, *, email: str | None = None,
                        pseudonym: str | None = None, participant: str | None = None,
                        yes: bool = False) -> int:
    """Exit 0: erased (or, without `yes`, found and left as it is); 1: nobody
    found, or the address or pseudonym is not one; 3: the erasure's outcome is
    not known (no answer in time, the log unavailable): the same command with
    `--participant` finds out, and finishes it. What is printed names the
    participant by id and pseudonym, never by the address typed."""
    container = bootstrap(settings, services=["identity"])
    async with running(container, workers=False), front_commands(container):
        identity = container.port("identity", IdentityPorts)
        try:
            pid = await _named(identity, email=email, pseudonym=pseudonym,
                               participant=participant)
        except DomainError as invalid:
            print(f"erase: {invalid.message}", file=sys.stderr)
            return 1
        profile = await identity.vault.profile(pid) if pid else None
        if pid is not None and profile is None and await _shredded_unrecorded(container, pid):
            # the key destroyed and the event never written (ADR 0012's order):
            # sending the command again writes it
            profile = {"pseudonym": "données déjà détruites"}
        if pid is None or profile is None:
            print("erase: no participant with a profile answers to this (never signed up,"
                  " or already erased)", file=sys.stderr)
            return 1
        who = f"participant {pid} (« {profile.get('pseudonym', '')} »)"
        if not yes:
            print(f"would erase {who}: run again with --yes to erase it; this cannot be"
                  " undone")
            return 0
        try:
            await container.handle(EraseParticipant(pid), Meta(actor=OPERATOR_ACTOR))
        except (CommandTimedOut, EventLogUnavailable) as unknown:
            print(f"erase: {unknown}; whether {who} is erased is not known: run `parlons"
                  f" erase --participant {pid}` to see, and with --yes to finish it",
                  file=sys.stderr)
            return 3
    print(f"erased {who}: their key is destroyed, their contributions stay, shown as an"
          " anonymous participant's, their ballots stay counted")
    return 0


async def _shredded_unrecorded(container: Container, pid: str) -> bool:
    """A participant registered, whose erasure the log does not hold: with no
    profile in the vault, their key was destroyed and the event not written."""
    kinds = {e.type for e in await container.log.read_stream(participant_stream(pid))}
    return bool(kinds) and ParticipantErased.TYPE not in kinds


async def _named(identity: IdentityPorts, *, email: str | None, pseudonym: str | None,
                 participant: str | None) -> str | None:
    """The participant the operator named, by one of the three."""
    if email is not None:
        lookup = model.email_lookup_value(model.normalise_email(email))
        return await identity.vault.find("email", lookup)
    if pseudonym is not None:
        return await identity.vault.find("pseudonym", model.pseudonym_lookup_value(pseudonym))
    model.check_participant_id(participant or "")
    return participant


async def erase_again_command(settings: Settings) -> int:
    """After a restore of the vault (`identity.db`, or its Cassandra tables) from a
    backup older than some erasures: each participant the log says was erased has
    their key, profile, lookups and queued e-mails deleted again. The log is the
    truth (ADR 0012); nothing is appended: the erasures are already there."""
    container = bootstrap(settings, services=["identity"])
    async with running(container, workers=False):
        identity = container.port("identity", IdentityPorts)
        erased = {r.event.data["participant_id"] async for r in read_all(container.log, TOPIC)
                  if r.event.type == ParticipantErased.TYPE}
        back = 0
        for pid in sorted(erased):
            back += await identity.vault.profile(pid) is not None
            await identity.vault.erase(pid)
            await identity.outbox.delete_person(pid)
    print(f"erase --after-restore: {english_count(len(erased), 'participant')} erased in the log;"
          f" {back} had their key back in the vault and are erased again")
    return 0
