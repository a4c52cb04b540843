"""Commands to the service that owns them (distributed topology, ADR 0035).

`routes()` says which commands travel: a command a service lists as routed is
sent by the HTTP front to its service's command topic, keyed as the events it
writes, so that the replica deciding it is the single writer of the partition
its events go to.
The others run in the process that received them, as in the embedded topology
(same handlers, two buses).

- `RemoteCommands` is the front's side: it encodes a routed command, sends it,
  and turns the service's answer back into the handler's result or error.
- `CommandServer` is a service replica's side: it runs the commands of the
  partitions its group assigned it, one at a time per partition (a partition's
  commands are decided in their order), and answers each. When partitions are
  assigned it first has the log read up to their end (the previous owner's
  writes); when they are revoked it finishes the command in hand before the
  group hands them on, and decides nothing more there. For a command whose
  handler reads streams other writers append (deposit: the proposal an argument
  answers; moderation: the contribution and its automatic checks), it has those
  event topics read up to their end before the batch holding it (ADR 0038, 0078).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from services.core.events import Meta
from services.runtime.command_codec import (
    command_name,
    decode_command,
    decode_outcome,
    encode_command,
    encode_error,
    encode_result,
)

log = logging.getLogger("parlons.commands")

Handle = Callable[[object, Meta], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Route:
    service: str
    topic: str  # the service's command topic (schemas/topics.yaml, `commands`)
    events: str  # the event topic its handlers write, co-partitioned with `topic`
    key: Callable[[Any], str]  # as the events' partition key
    # The event topics holding streams its handler reads that other writers append
    # (other replicas, other services, process managers): read up to their end
    # before each batch holding it, so what was acknowledged before the command was
    # sent is seen. A ballot reads only its own partition's streams: none.
    reads: tuple[str, ...] = ()
    # Seconds after it was sent within which a replica still starts it, when past
    # the front's wait (`ServiceSpec.routed_start_within`); None: the front's wait.
    start_within: float | None = None

    @property
    def reads_others(self) -> bool:
        return bool(self.reads)


def routes(services: Iterable[str] | None = None) -> dict[type, Route]:
    """The routed commands of `services` (default: all), as each service declares
    them (`ServiceSpec.routed`): sent to `<service>.commands`, keyed as the events
    they write in `<service>.events` (or the service's `events_topic`). Built
    lazily: a process loads only what it hosts."""
    from services.runtime.services import SERVICES

    table: dict[type, Route] = {}
    for name in services if services is not None else SERVICES:
        spec = SERVICES[name]()
        events = spec.events_topic or f"{name}.events"
        for kind, key in spec.routed.items():
            table[kind] = Route(name, f"{name}.commands", events, key,
                                tuple(spec.routed_reads.get(kind, ())),
                                spec.routed_start_within.get(kind))
    return table


def routes_of(service: str) -> dict[type, Route]:
    return routes([service])


class Sender(Protocol):
    async def send(self, topic: str, key: str, body: Mapping[str, Any], *,
                   start_within: float | None = None) -> dict[str, Any]: ...


class RemoteCommands:
    """The front's bus for routed commands."""

    def __init__(self, sender: Sender, table: Mapping[type, Route] | None = None) -> None:
        self.sender = sender
        self.table = dict(routes() if table is None else table)

    def routes(self, command: object) -> bool:
        return type(command) in self.table

    async def handle(self, command: object, meta: Meta) -> Any:
        route = self.table[type(command)]
        outcome = await self.sender.send(route.topic, route.key(command),
                                         encode_command(command, meta),
                                         start_within=route.start_within)
        return decode_outcome(outcome)


class Receiver(Protocol):
    def owns(self, partition: int) -> bool: ...
    async def poll(self, timeout_ms: int = 200) -> Mapping[int, list[Any]]: ...
    async def reply(self, command: Any, outcome: Mapping[str, Any]) -> None: ...
    async def commit(self, partition: int, next_offset: int) -> None: ...


class CommandServer:
    """Runs one service's routed commands for the partitions this replica owns."""

    def __init__(self, handle: Handle, table: Mapping[type, Route],
                 take_over: Callable[[str], Awaitable[None]],
                 revoke_wait_s: float = 10.0) -> None:
        self._handle = handle
        self._known = {command_name(kind): kind for kind in table}
        self._events = sorted({route.events for route in table.values()})
        self._reads = {command_name(kind): route.reads for kind, route in table.items()}
        self._take_over = take_over
        self._revoke_wait_s = revoke_wait_s
        self._busy: dict[int, asyncio.Event] = {}  # partition -> set when idle
        self._stopping = asyncio.Event()
        self.handled = 0

    # -- the group's callbacks (KafkaCommandReceiver's on_assigned / on_revoked) --
    async def assigned(self, partitions: set[int]) -> None:
        for topic in self._events:
            await self._take_over(topic)

    async def revoked(self, partitions: set[int]) -> None:
        """Called inside the rebalance: the partitions go to another member only
        once the command in hand on each is decided and answered."""
        waits = [self._busy[p].wait() for p in partitions if p in self._busy]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), self._revoke_wait_s)

    # -- the loop ---------------------------------------------------------------
    def stop(self) -> None:
        self._stopping.set()

    async def serve(self, receiver: Receiver) -> None:
        while not self._stopping.is_set():
            batches = await receiver.poll()
            for topic in self._fresh(batches):  # read up to the end at the next decision
                await self._take_over(topic)
            await asyncio.gather(*(self._partition(receiver, p, commands)
                                   for p, commands in batches.items()))

    def _fresh(self, batches: Mapping[int, list[Any]]) -> list[str]:
        """The topics the batch's commands read beyond their own partition."""
        return sorted({topic for commands in batches.values() for command in commands
                       for topic in self._reads.get(str(command.body.get("type")), ())})

    async def _partition(self, receiver: Receiver, partition: int, commands: list[Any]) -> None:
        idle = self._busy.setdefault(partition, asyncio.Event())
        idle.clear()
        done = None
        try:
            for command in commands:
                if not receiver.owns(partition):  # revoked: the new owner takes it from here
                    break
                if not command.expired:  # past it, the front answered 504 already
                    await receiver.reply(command, await self._run(command.body))
                done = command.offset
        finally:
            idle.set()
        if done is not None and receiver.owns(partition):
            try:
                await receiver.commit(partition, done + 1)
            except Exception as error:  # fenced: the next owner runs them again, idempotent
                log.warning("command offsets not committed", extra={
                    "partition": partition, "error": f"{type(error).__name__}: {error}"})

    async def _run(self, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            command, meta = decode_command(body, self._known)
        except (KeyError, TypeError, ValueError) as error:
            log.warning("undecodable command", extra={"error": repr(error)})
            return encode_error(error)
        try:
            result = await self._handle(command, meta)
        except Exception as error:
            outcome = encode_error(error)
            _log_failure(command, outcome["error"]["kind"], error)
            return outcome
        self.handled += 1
        return encode_result(result)


def _log_failure(command: object, kind: str, error: Exception) -> None:
    """A command's failure is told to its front, which logs what it answers; but a
    long command (a Pol.is import) goes on after its front stopped waiting, and its
    failure then reached nobody. Logged here: a bug with its traceback, the log or a
    store gone as a warning; the refusals a handler makes (domain rules, access,
    conflicts) are answers, not failures."""
    name = type(command).__name__
    if kind == "internal":
        log.error("command failed", exc_info=error,
                  extra={"command": name, "error": type(error).__name__})
    elif kind in ("unavailable", "store_unavailable"):
        log.warning("command interrupted: %s", error,
                    extra={"command": name, "error": type(error).__name__})
