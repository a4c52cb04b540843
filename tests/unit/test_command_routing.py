"""Commands routed to their owning service (ADR 0035), with fakes for the broker:
a command and its outcome survive the trip as JSON (refusals as the same error
type), the front's bus answers as the handler would, and a replica decides only
the partitions it owns, in their order, and waits for the command in hand when a
partition is revoked."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.core.envelope import Actor
from services.core.errors import (
    AccessRefused,
    ConcurrencyConflict,
    DomainError,
    EventLogUnavailable,
    InvalidFields,
    NotFound,
)
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.runtime.command_codec import (
    RemoteFailure,
    decode_command,
    decode_outcome,
    encode_command,
    encode_error,
    encode_result,
)
from services.runtime.command_routing import CommandServer, RemoteCommands, routes
from services.synthesis.conversations.handlers import ImportConversation
from services.vote.commands import CastBallot, WithdrawBallot

META = Meta(actor=Actor(id="p-aude", role="participant"), correlation_id="corr-1")
KNOWN = {"vote.CastBallot": CastBallot, "vote.WithdrawBallot": WithdrawBallot}


def ballot(item: str = "item-0", pid: str = "p-aude") -> CastBallot:
    who = ParticipantContext(pid, "email", "75", frozenset({"c-1", "c-2"}))
    return CastBallot(item, who, "agree", "agree", ("clair", "utile"))


def test_a_command_and_its_meta_come_back_equal() -> None:
    command, meta = decode_command(encode_command(ballot(), META), KNOWN)
    assert command == ballot()
    assert meta == META


def test_a_command_type_not_routed_is_refused() -> None:
    body = encode_command(ballot(), META)
    with pytest.raises(KeyError):
        decode_command({**body, "type": "os.system"}, KNOWN)


@pytest.mark.parametrize("error", [
    DomainError("phase_closed", "La phase de vote est terminée.", field="phase"),
    AccessRefused(403, "forbidden", "Accès refusé."),
    NotFound("proposition"),
    ConcurrencyConflict("ballot-1", 1, 2),
    EventLogUnavailable("disk full"),
])
def test_a_refusal_comes_back_as_the_same_error(error: Exception) -> None:
    with pytest.raises(type(error)) as raised:
        decode_outcome(encode_error(error))
    assert str(raised.value) == str(error)


def test_refusals_reported_together_come_back_together() -> None:
    """ADR 0144: the front of the distributed topology shows every field's refusal,
    as the embedded one does."""
    error = InvalidFields([DomainError("too_short", "Le titre est trop court.", field="title"),
                           DomainError("invalid_slug", "Adresse invalide.", field="slug")])
    with pytest.raises(InvalidFields) as raised:
        decode_outcome(encode_error(error))
    assert [(e.code, e.message, e.field) for e in raised.value.errors] == [
        ("too_short", "Le titre est trop court.", "title"),
        ("invalid_slug", "Adresse invalide.", "slug")]
    assert (raised.value.code, raised.value.field) == ("too_short", "title")
    # an outcome from a service that knows no list (a rolling upgrade) reads as before
    older = encode_error(error)
    del older["error"]["errors"]
    with pytest.raises(DomainError) as plain:
        decode_outcome(older)
    assert type(plain.value) is DomainError and plain.value.field == "title"


def test_an_unexpected_failure_is_not_passed_on_as_text() -> None:
    outcome = encode_error(ZeroDivisionError("secret detail"))
    assert "secret detail" not in str(outcome)
    with pytest.raises(RemoteFailure):
        decode_outcome(outcome)


def test_ballots_are_keyed_by_their_item_as_their_events() -> None:
    route = routes()[CastBallot]
    assert (route.topic, route.events, route.key(ballot("item-7"))) == (
        "vote.commands", "vote.events", "item-7")


@dataclass
class LoopbackSender:
    """The broker and a replica in one: runs the command through the codec."""
    sent: list[tuple[str, str]] = field(default_factory=list)
    starts_within: list[float | None] = field(default_factory=list)

    async def send(self, topic: str, key: str, body: Mapping[str, Any], *,
                   start_within: float | None = None) -> dict[str, Any]:
        self.sent.append((topic, key))
        self.starts_within.append(start_within)
        command, _ = decode_command(body, KNOWN)
        if command.item_id == "item-closed":  # type: ignore[attr-defined]
            return encode_error(DomainError("phase_closed", "Le vote est clos."))
        return encode_result({"status": "recorded", "choice": "agree"})


async def test_the_front_bus_answers_as_the_handler() -> None:
    sender = LoopbackSender()
    bus = RemoteCommands(sender)
    assert bus.routes(ballot()) and not bus.routes(object())
    assert await bus.handle(ballot("item-3"), META) == {"status": "recorded", "choice": "agree"}
    with pytest.raises(DomainError, match="Le vote est clos"):
        await bus.handle(ballot("item-closed"), META)
    assert sender.sent == [("vote.commands", "item-3"), ("vote.commands", "item-closed")]


@dataclass
class Command:
    partition: int
    offset: int
    body: dict[str, Any]
    expired: bool = False


@dataclass
class FakeReceiver:
    owned: set[int]
    batches: list[dict[int, list[Command]]]
    replies: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)
    commits: dict[int, int] = field(default_factory=dict)
    server: CommandServer | None = None

    def owns(self, partition: int) -> bool:
        return partition in self.owned

    async def poll(self, timeout_ms: int = 200) -> Mapping[int, list[Any]]:
        if not self.batches:
            assert self.server is not None
            self.server.stop()
            return {}
        return self.batches.pop(0)

    async def reply(self, command: Any, outcome: Mapping[str, Any]) -> None:
        self.replies.append((command.partition, command.offset, dict(outcome)))

    async def commit(self, partition: int, next_offset: int) -> None:
        self.commits[partition] = next_offset


def server_with(handle: Any, took_over: list[str] | None = None) -> CommandServer:
    async def take_over(topic: str) -> None:
        (took_over if took_over is not None else []).append(topic)

    return CommandServer(handle, {CastBallot: routes()[CastBallot]}, take_over,
                         revoke_wait_s=5.0)


async def test_a_replica_runs_its_partitions_commands_in_order_and_commits() -> None:
    seen: list[str] = []

    async def handle(command: Any, meta: Meta) -> dict[str, str]:
        seen.append(command.participant.participant_id)
        return {"status": "recorded"}

    server = server_with(handle)
    body = [encode_command(ballot(pid=f"p-{n}"), META) for n in range(3)]
    receiver = FakeReceiver(owned={0}, batches=[{0: [Command(0, 10 + n, body[n])
                                                      for n in range(3)]}])
    receiver.server = server
    await server.serve(receiver)
    assert seen == ["p-0", "p-1", "p-2"]
    assert [(p, o) for p, o, _ in receiver.replies] == [(0, 10), (0, 11), (0, 12)]
    assert receiver.commits == {0: 13}


async def test_a_replica_decides_nothing_on_a_partition_it_does_not_own() -> None:
    async def handle(command: Any, meta: Meta) -> None:
        raise AssertionError("decided on a partition owned elsewhere")

    server = server_with(handle)
    receiver = FakeReceiver(owned=set(), batches=[
        {3: [Command(3, 0, encode_command(ballot(), META))]}])
    receiver.server = server
    await server.serve(receiver)
    assert receiver.replies == [] and receiver.commits == {}


async def test_an_expired_command_is_skipped_but_committed() -> None:
    async def handle(command: Any, meta: Meta) -> None:
        raise AssertionError("ran a command its front gave up on")

    server = server_with(handle)
    receiver = FakeReceiver(owned={1}, batches=[
        {1: [Command(1, 4, encode_command(ballot(), META), expired=True)]}])
    receiver.server = server
    await server.serve(receiver)
    assert receiver.replies == [] and receiver.commits == {1: 5}


async def test_a_failure_no_front_waits_for_any_more_is_logged_a_refusal_is_not(
        caplog: pytest.LogCaptureFixture) -> None:
    # a long command (a Pol.is import) outlives its front's wait: its failure was
    # answered to nobody, and nothing said so (ADR 0129)
    failures = [ZeroDivisionError("a bug"), EventLogUnavailable("the broker went away"),
                DomainError("phase_closed", "Le vote est clos.")]

    async def handle(command: Any, meta: Meta) -> None:
        raise failures.pop(0)

    server = server_with(handle)
    receiver = FakeReceiver(owned={0}, batches=[{0: [
        Command(0, n, encode_command(ballot(pid=f"p-{n}"), META)) for n in range(3)]}])
    receiver.server = server
    with caplog.at_level("INFO", logger="parlons.commands"):
        await server.serve(receiver)
    logged = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert logged == [("ERROR", "command failed"),
                      ("WARNING", "command interrupted: the broker went away")]
    assert caplog.records[0].exc_info is not None  # its traceback
    assert [o["error"]["kind"] for _, _, o in receiver.replies] == [
        "internal", "unavailable", "domain"]


def test_an_import_may_start_within_the_hour_every_other_command_within_the_wait() -> None:
    table = routes()
    assert table[ImportConversation].start_within == 3600.0
    assert [kind for kind, route in table.items() if route.start_within is not None] == [
        ImportConversation]


async def test_the_front_bus_sends_a_commands_start_within() -> None:
    sender = LoopbackSender()
    await RemoteCommands(sender).handle(ballot("item-3"), META)
    assert sender.starts_within == [None]
    imports = RemoteCommands(sender, {ImportConversation: routes()[ImportConversation]})
    with pytest.raises(KeyError):  # the loopback knows ballots only: sent all the same
        await imports.handle(ImportConversation("c-1", {}), META)
    assert sender.starts_within == [None, 3600.0]


async def test_assignment_reads_the_event_topic_first() -> None:
    took_over: list[str] = []
    server = server_with(None, took_over)
    await server.assigned({0, 1})
    assert took_over == ["vote.events"]


async def test_revocation_waits_for_the_command_in_hand() -> None:
    release = asyncio.Event()
    order: list[str] = []

    async def handle(command: Any, meta: Meta) -> dict[str, str]:
        order.append("deciding")
        await release.wait()
        order.append("decided")
        return {"status": "recorded"}

    server = server_with(handle)
    receiver = FakeReceiver(owned={2}, batches=[
        {2: [Command(2, 0, encode_command(ballot(), META))]}])
    receiver.server = server
    serving = asyncio.create_task(server.serve(receiver))
    while not order:
        await asyncio.sleep(0)

    async def revoke() -> None:
        receiver.owned.clear()  # as the listener does before calling the server
        await server.revoked({2})
        order.append("revoked")

    revoking = asyncio.create_task(revoke())
    await asyncio.sleep(0.05)
    assert order == ["deciding"]  # the rebalance is held until the decision is made
    release.set()
    await asyncio.gather(serving, revoking)
    assert order == ["deciding", "decided", "revoked"]
    assert receiver.commits == {}  # no longer its partition: the next owner commits


def test_a_result_is_sent_as_it_is() -> None:
    assert decode_outcome(encode_result({"status": "unchanged"})) == {"status": "unchanged"}
