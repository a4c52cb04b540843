"""The command bus a process runs with (ADR 0035), from `PARLONS_COMMAND_BUS`:
"local" changes nothing (every command runs where it arrives, the embedded
topology); "kafka" makes a `parlons serve` front send the routed commands to
their service, and a `parlons worker SERVICE` replica serve them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from services.runtime import adapters
from services.runtime.bootstrap import Container
from services.runtime.command_routing import CommandServer, RemoteCommands, routes_of
from services.runtime.faults import describe

log = logging.getLogger("parlons.commands")
RESTART_PAUSE_S = 1.0


@contextlib.asynccontextmanager
async def front_commands(container: Container) -> AsyncIterator[None]:
    """The front sends the routed commands to their service's replicas."""
    if container.settings.command_bus != "kafka":
        yield
        return
    sender = adapters.command_sender(container.settings)
    await sender.start()
    container.remote = RemoteCommands(sender)
    log.info("routed commands go to their services over Kafka",
             extra={"reply_partition": sender.reply_to})
    try:
        yield
    finally:
        container.remote = None
        await sender.close()


@contextlib.asynccontextmanager
async def prepared_to_decide(container: Container) -> AsyncIterator[None]:
    """A front decides some commands itself (a registration, which carries personal
    data no command topic may hold, ADR 0085; an upload; a Pol.is import): its log
    is prepared to decide from its start, in the background, and /readyz answers
    503 with "decisions" until it is (ADR 0123). Before, the first registration
    after a front's start waited for the Kafka writer index to read the whole log,
    and every registration behind it."""
    container.starting.add("decisions")
    task = asyncio.create_task(_prepare(container), name="prepare to decide")
    try:
        yield
    finally:
        container.starting.discard("decisions")
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _prepare(container: Container) -> None:
    while True:
        try:
            await _prepare_log(container)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the broker is not there yet: /readyz says so too
            log.warning("event log not prepared to decide; trying again", extra={
                "error_type": type(error).__name__, "error": describe(error)})
            await asyncio.sleep(RESTART_PAUSE_S)
            continue
        container.starting.discard("decisions")
        return


async def _prepare_log(container: Container, **where: str) -> None:
    began = time.monotonic()
    await container.log.prepare_to_decide()
    log.info("event log prepared to decide", extra={
        **where, "seconds": round(time.monotonic() - began, 3)})


@contextlib.asynccontextmanager
async def service_commands(container: Container, service: str) -> AsyncIterator[None]:
    """This replica serves its service's routed commands for the partitions its
    group assigns it; nothing when the service has none routed."""
    table = routes_of(service)
    if container.settings.command_bus != "kafka" or not table:
        yield
        return
    topic = next(iter(table.values())).topic
    server = CommandServer(container.handle, table, container.log.take_over)
    container.starting.add("commands")
    task = asyncio.create_task(_keep_serving(container, server, topic),
                               name=f"commands:{topic}")
    try:
        yield
    finally:
        container.starting.discard("commands")
        server.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _keep_serving(container: Container, server: CommandServer, topic: str) -> None:
    """A member of the command group while the process lives: after a broker
    outage or a failed answer it joins again (its uncommitted commands are run
    again by whoever owns their partition: the handlers are idempotent).

    It joins once its log is prepared to decide (`prepare_to_decide`): a replica
    that joined first was given partitions, then kept their commands waiting
    while its Kafka writer index read the whole log (a minute at five million
    events), and the fronts answered 504 meanwhile."""
    async def joined(partitions: set[int]) -> None:
        """The group's first assignment: the replica is a member now, and ready.
        Subscribing is not joining: a replica restarted after a kill -9 waits for
        its dead self's session to end (a session timeout) before the group
        assigns anything, and said it was ready meanwhile while the commands of
        its partitions waited and the fronts answered 504 (ADR 0123's amendment)."""
        if "commands" in container.starting:
            container.starting.discard("commands")
            log.info("serving commands", extra={"topic": topic,
                                                "partitions": sorted(partitions)})
        await server.assigned(partitions)

    while True:
        receiver = adapters.command_receiver(container.settings, topic,
                                             on_assigned=joined,
                                             on_revoked=server.revoked)
        try:
            await _prepare_log(container, topic=topic)
            await receiver.start()
            await server.serve(receiver)
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("command server stopped; joining again", extra={
                "topic": topic, "error_type": type(error).__name__, "error": describe(error)})
        finally:
            await receiver.close()
        await asyncio.sleep(RESTART_PAUSE_S)
