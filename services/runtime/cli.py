"""The `parlons` command (also `python -m services.runtime`).

  serve [--demo] [--no-workers] [--service NAME]...   HTTP API + projection workers
        [--workers N]                                 N HTTP processes + one projections
                                                      process (default: one per core)
  worker SERVICE [--metrics-port N]                   that service's projections (and its routed
                                                      commands with PARLONS_COMMAND_BUS=kafka);
                                                      HTTP only for /metrics and probes (9100)
  replay (PROJECTION | --all [--jobs N])             rebuild one projection (or all) from the log
                                                      (--all: N processes, default one per core)
  dead-letters (list | replay) [--group G] [--event ID]  pending dead letters; re-drive them
  topics create                                       create the Kafka topics of topics.yaml
                                                      (event and command topics)
  retention                                           delete what retention settings expire
  erase (--email A | --pseudonym P | --participant ID) [--yes]
                                                      erase an account its owner cannot reach
                                                      (without --yes: whom, nothing changed)
  erase --after-restore                               erase again, in a restored vault, every
                                                      participant the log says was erased
  recount                                             vote tallies recounted from the log
  verify                                              every read model compared with the log
  freeze-results                                      freeze the results of ended vote phases
  export opendata (CONSULTATION [--out DIR] | --daily)  Grand Débat format open data
  questionnaire import CONSULTATION FILE [--format granddebat|csv|json] [--dry-run]
                                                      questionnaires from a file (preview,
                                                      errors per line: exit 1)
  synthesis-jobs                                      pending theme runs, scheduled updates, digests
  meeting-notices                                     meeting seats freed, reminders the day before
  polis import CONSULTATION DIR                       a Pol.is export into a consultation
  polis groups CONSULTATION [--publish]               its opinion groups (and publish them)
  polis export CONSULTATION --out DIR                 its opinions as a Pol.is export
  blobs prune [--older-than HOURS]                    delete uploaded files no live document
                                                      needs, stored over HOURS ago (def. 24)
  scheduler                                           the jobs above on their periods, once per
                                                      period across replicas (distributed)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from services.core.plurals import english_count
from services.core.schema_registry import SchemaRegistry
from services.runtime import event_loop
from services.runtime.bootstrap import Container, LagSource, bootstrap
from services.runtime.command_processes import (
    front_commands,
    prepared_to_decide,
    service_commands,
)
from services.runtime.heap import collector_settled, settle_after_start
from services.runtime.logging import configure_logging
from services.runtime.private_files import keep_private
from services.runtime.replay import Rebuilt, rebuild_projection
from services.runtime.runner import running
from services.runtime.secrets import MissingSecret
from services.runtime.services import SERVICES
from services.runtime.settings import Settings
from services.runtime.worker import Worker
from services.store.projection import Projection

if TYPE_CHECKING:
    from services.eventlog.kafka import KafkaEventLog
    from services.eventlog.port import Position
    from services.runtime.replay_jobs import Child

log = logging.getLogger("parlons.cli")
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
LOG_BEHIND_EXIT = 3


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    keep_private(settings.data_dir)  # 0600 files, 0700 folders: the user's alone
    try:
        return _run(args, settings)
    except MissingSecret as missing:  # production without its secrets: say which, stop
        print(f"parlons: {missing}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        if args.child is None and not (args.no_workers or args.service):
            from services.runtime.supervisor import supervise, worker_count

            workers = worker_count(settings, args.workers)
            if workers > 1:
                return supervise(settings, workers=workers, demo=args.demo,
                                 host=args.host or settings.http_host,
                                 port=settings.http_port if args.port is None else args.port)
        return event_loop.run(_serve(settings, args), settings.event_loop)
    if args.command == "worker":
        return event_loop.run(_worker(settings, args.service, args.metrics_port),
                              settings.event_loop)
    if args.command == "replay":
        if args.all == bool(args.projection):
            print("replay: name one projection, or --all", file=sys.stderr)
            return 2
        if args.jobs is not None and (not args.all or args.jobs < 1):
            print("replay: --jobs N (at least 1) goes with --all", file=sys.stderr)
            return 2
        if args.all:
            return asyncio.run(_replay_all(settings, args.jobs))
        return asyncio.run(_replay(settings, args.projection))
    if args.command == "dead-letters":
        from services.runtime.jobs import dead_letters

        command = (dead_letters.list_command if args.action == "list"
                   else dead_letters.replay_command)
        return asyncio.run(command(settings, args.group, args.event))
    if args.command == "retention":
        from services.runtime.jobs.identity import retention_command

        return asyncio.run(retention_command(settings))
    if args.command == "erase":
        from services.runtime.jobs.identity import erase_again_command, erase_command

        if args.after_restore:
            return asyncio.run(erase_again_command(settings))
        return asyncio.run(erase_command(settings, email=args.email, pseudonym=args.pseudonym,
                                         participant=args.participant, yes=args.yes))
    if args.command == "recount":
        from services.runtime.jobs.vote import recount_command

        return asyncio.run(recount_command(settings))
    if args.command == "verify":
        from services.runtime.jobs.verify import verify_command

        return asyncio.run(verify_command(settings))
    if args.command == "freeze-results":
        from services.runtime.jobs.vote import freeze_results_command

        return asyncio.run(freeze_results_command(settings))
    if args.command == "synthesis-jobs":
        from services.runtime.jobs.synthesis import synthesis_jobs_command

        return asyncio.run(synthesis_jobs_command(settings))
    if args.command == "meeting-notices":
        from services.runtime.jobs.meetings import meeting_notices_command

        return asyncio.run(meeting_notices_command(settings))
    if args.command == "scheduler":
        from services.runtime.scheduler import scheduler_command

        return asyncio.run(scheduler_command(settings))
    if args.command == "polis":
        from services.runtime.jobs import polis

        if args.action == "import":
            return asyncio.run(polis.import_command(settings, args.consultation, args.source))
        if args.action == "groups":
            return asyncio.run(polis.groups_command(settings, args.consultation, args.publish))
        return asyncio.run(polis.export_command(settings, args.consultation, args.out))
    if args.command == "blobs":
        from services.runtime.jobs.blobs import prune_command

        return asyncio.run(prune_command(settings, args.older_than))
    if args.command == "export":
        from services.runtime.jobs.opendata import export_command

        return asyncio.run(export_command(settings, args.consultation, args.out, args.daily))
    if args.command == "questionnaire":
        from services.runtime.jobs.questionnaires import import_command

        return import_command(settings, args.consultation, args.file, args.format,
                              args.dry_run)
    return asyncio.run(_create_topics(settings))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="parlons", description="Parlons: consultations en ligne.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="HTTP API and projection workers (one process, or "
                                         "--workers N HTTP processes and a projections one)")
    serve.add_argument("--demo", action="store_true", help="seed a demo consultation")
    serve.add_argument("--no-workers", action="store_true",
                       help="HTTP only: projections run in separate `worker` processes")
    serve.add_argument("--service", action="append", choices=sorted(SERVICES),
                       help="host only these services (default: all)")
    serve.add_argument("--host", help="overrides PARLONS_HTTP_HOST")
    serve.add_argument("--port", type=int, help="overrides PARLONS_HTTP_PORT")
    serve.add_argument("--workers", type=int, metavar="N",
                       help="N HTTP processes and one projections process over the same "
                            "SQLite log (overrides PARLONS_SERVE_WORKERS; default: one per "
                            "core; 1: a single process)")
    # What the supervisor of `--workers` starts (services/runtime/supervisor.py).
    serve.add_argument("--child", choices=["http", "projections"], help=argparse.SUPPRESS)
    serve.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--supervisor", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--ready-fd", type=int, help=argparse.SUPPRESS)
    serve.add_argument("--go-fd", type=int, help=argparse.SUPPRESS)
    worker = sub.add_parser("worker", help="run one service's projections (no HTTP)")
    worker.add_argument("service", choices=sorted(SERVICES))
    worker.add_argument("--metrics-port", type=int,
                        help="serve /metrics, /healthz and /readyz on PARLONS_HTTP_HOST:PORT "
                             "(overrides PARLONS_WORKER_METRICS_PORT, default 9100; 0: none)")
    replay = sub.add_parser("replay", help="drop a projection and rebuild it from the log")
    replay.add_argument("projection", nargs="?", help="e.g. consultation.catalogue")
    replay.add_argument("--all", action="store_true",
                        help="every projection, the search index's included, in one pass"
                             " over the log (after a restore: docs/operations.md)")
    replay.add_argument("--jobs", type=int, metavar="N",
                        help="with --all: processes sharing the projections out"
                             " (default: one per core; 1: this process alone)")
    letters = sub.add_parser("dead-letters",
                             help="list the pending dead letters, or re-drive them once fixed")
    letters.add_argument("action", choices=["list", "replay"])
    letters.add_argument("--group", help="only this consumer (e.g. vote.tallies)")
    letters.add_argument("--event", help="only the letter of this failed event id")
    sub.add_parser("retention", help="apply retention periods (identity outbox, tokens)")
    erase = sub.add_parser("erase", help="erase an account its owner cannot reach, once the "
                                         "request is checked (docs/operations.md)")
    named = erase.add_mutually_exclusive_group(required=True)
    named.add_argument("--email", help="the account's e-mail address")
    named.add_argument("--pseudonym", help="the account's pseudonym")
    named.add_argument("--participant", metavar="ID", help="the participant id (p-...)")
    named.add_argument("--after-restore", action="store_true",
                       help="erase again, in a vault restored from a backup, every "
                            "participant the log says was erased")
    erase.add_argument("--yes", action="store_true",
                       help="erase it (without: say whom, change nothing)")
    sub.add_parser("recount", help="recount vote tallies from the log, compare (exit 1 if not)")
    sub.add_parser("verify", help="compare every read model and the search index with the "
                                  "log (exit 1 if they differ)")
    sub.add_parser("freeze-results", help="freeze the results of every ended vote phase")
    sub.add_parser("meeting-notices", help="tell the promoted from a waiting list; remind "
                                           "meetings the day before (once each)")
    export = sub.add_parser("export", help="open data in the Grand Débat format")
    export.add_argument("what", choices=["opendata"])
    export.add_argument("consultation", nargs="?", help="consultation id")
    export.add_argument("--out", help="directory (default <data_dir>/opendata/<consultation>)")
    export.add_argument("--daily", action="store_true",
                        help="publish every consultation whose organiser turned it on")
    questionnaire = sub.add_parser("questionnaire", help="import questionnaires from a file")
    questionnaire.add_argument("action", choices=["import"])
    questionnaire.add_argument("consultation", help="consultation id")
    questionnaire.add_argument("file", help="a Grand Débat questions.csv, or the CSV or JSON "
                                            "format of docs/questionnaire-import.md")
    questionnaire.add_argument("--format", choices=["granddebat", "csv", "json"],
                               help="default: recognised from the file")
    questionnaire.add_argument("--dry-run", action="store_true",
                               help="print the preview and the errors, save nothing")
    sub.add_parser("synthesis-jobs",
                   help="pending theme runs, scheduled updates, follow-up e-mail digests")
    sub.add_parser("scheduler", help="run freeze-results, synthesis-jobs, retention, "
                                     "meeting-notices, blobs prune and the daily open data "
                                     "on their periods, each once per period whatever the "
                                     "number of schedulers")
    blobs = sub.add_parser("blobs", help="uploaded files (documents, staged Pol.is exports)")
    blobs_sub = blobs.add_subparsers(dest="action", required=True)
    prune = blobs_sub.add_parser(
        "prune", help="delete the files no live document names (removed or refused "
                      "documents, Pol.is exports imported), once older than the grace period")
    prune.add_argument("--older-than", type=float, metavar="HOURS",
                       help="grace period, at least 1 (overrides PARLONS_BLOBS_PRUNE_GRACE_H, "
                            "default 24)")
    polis = sub.add_parser("polis", help="Pol.is conversations and opinion groups")
    polis_sub = polis.add_subparsers(dest="action", required=True)
    polis_import = polis_sub.add_parser(
        "import", help="import a Pol.is export (comments.csv, votes.csv) into a consultation")
    polis_import.add_argument("consultation", help="consultation id")
    polis_import.add_argument("source", help="directory of the Pol.is export")
    polis_groups = polis_sub.add_parser("groups", help="the consultation's opinion groups")
    polis_groups.add_argument("consultation", help="consultation id")
    polis_groups.add_argument("--publish", action="store_true",
                              help="publish them on the consultation's public pages")
    polis_export = polis_sub.add_parser("export", help="the opinions in the Pol.is format")
    polis_export.add_argument("consultation", help="consultation id")
    polis_export.add_argument("--out", required=True, help="directory to write")
    topics = sub.add_parser("topics", help="Kafka topics")
    topics.add_argument("action", choices=["create"])
    return p


async def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from services.runtime.app import create_app
    from services.runtime.demo import seed_demo
    from services.runtime.supervisor import die_with_parent

    if args.child == "projections":
        return await _projections(settings, args)
    http_child = args.child == "http"
    if http_child:
        die_with_parent(args.supervisor)
    projections = not (args.no_workers or http_child)
    container = bootstrap(settings, services=args.service, projects=projections)
    app = create_app(container)
    _Server = _server_class()
    config = uvicorn.Config(
        app, host=args.host or settings.http_host, port=args.port or settings.http_port,
        log_config=None,  # our JSON logging, configured above
        access_log=False,  # uvicorn's access line carries the client IP; ours does not
        server_header=False, proxy_headers=False, lifespan="off",
        timeout_keep_alive=settings.http_keep_alive_s,
    )
    async with running(container, workers=projections), front_commands(container), \
            prepared_to_decide(container):
        if http_child:  # read-your-writes waits on the projections process
            container.watched = await _watch_consumers(container)
        elif not projections:  # ... or on the workers' groups, in their own processes
            container.watched = watch_groups(container)
        seeds = args.demo and not http_child  # the projections process seeds it once
        if seeds:
            await _store_answers(container)
        if seeds and await seed_demo(container):
            log.info("demo consultation created")
        # Participation waits on the projections: in the background, so the server
        # answers at once.
        demo = asyncio.create_task(_demo_participation(container)) if seeds else None
        # The embedded topology has no scheduler process: it freezes ended vote
        # phases itself, and runs the other periodic jobs (ADR 0034).
        closing = _closing(container, after=demo) if projections else None
        jobs = _jobs(container, settings) if projections else None
        # an HTTP process of `--workers` serves the supervisor's listening socket
        sockets = [socket.socket(fileno=args.fd)] if http_child else None
        server = _Server(config)
        if http_child and args.ready_fd is not None and args.go_fd is not None:
            server.gate = (args.ready_fd, args.go_fd)
        settle_after_start()
        try:
            await server.serve(sockets=sockets)  # returns on SIGINT/SIGTERM
        finally:
            for task in (demo, closing, jobs):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
    return 0


async def _projections(settings: Settings, args: argparse.Namespace) -> int:
    """The projections process of `serve --workers`: every projection, process
    manager and the search indexer, the periodic jobs and the demo seed, once for
    all the HTTP processes; /metrics and the probes on the worker metrics port."""
    from services.runtime.demo import seed_demo
    from services.runtime.supervisor import die_with_parent

    die_with_parent(args.supervisor)
    container = bootstrap(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    async with running(container, workers=True), \
            _probes(container, settings, settings.worker_metrics_port):
        if args.demo and await seed_demo(container):
            log.info("demo consultation created")
        demo = asyncio.create_task(_demo_participation(container)) if args.demo else None
        tasks = [demo, _closing(container, after=demo), _jobs(container, settings)]
        settle_after_start()
        stopping = asyncio.ensure_future(stop.wait())
        halted = asyncio.ensure_future(container.halted.wait())
        await asyncio.wait({stopping, halted}, return_when=asyncio.FIRST_COMPLETED)
        for task in (stopping, halted, *tasks):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return LOG_BEHIND_EXIT if container.halted.is_set() else 0


async def _watch_consumers(container: Container) -> list[LagSource]:
    """The lag of every consumer of the hosted services, asked of the log's
    committed checkpoints: an HTTP process of `serve --workers` runs none of them,
    the projections process does. Over SQLite a subscription joins nothing: it
    reads the group's checkpoints (the supervisor runs only over SQLite)."""
    return [await container.log.subscribe(c.name, c.topics) for c in container.consumers]


class _Groups:
    """Consumer groups whose members run in other processes, asked of the Kafka
    log from outside the groups."""

    def __init__(self, log: KafkaEventLog, groups: dict[str, tuple[str, ...]]) -> None:
        self._log, self._groups = log, groups

    async def behind(self, upto: Mapping[str, Position]) -> int:
        return await self._log.groups_behind(self._groups, upto)


def watch_groups(container: Container) -> list[LagSource]:
    """What a front running no workers waits on for read-your-writes (the back
    office's `settle`) in the distributed topology: every consumer group of the
    hosted services, whose workers are processes of their own (ADR 0036). Nothing
    over SQLite: a front there without workers has none elsewhere either, but the
    projections process of `serve --workers`, which `_watch_consumers` covers."""
    from services.eventlog.kafka import KafkaEventLog

    log = getattr(container.log, "inner", container.log)  # under its validation
    if not isinstance(log, KafkaEventLog):
        return []
    return [_Groups(log, {c.name: tuple(c.topics) for c in container.consumers})]


async def _store_answers(container: Container, bound_s: float = 600.0) -> None:
    """Until the read store answers (bounded): a front opening the services' files
    read-only (ADR 0037) may start before their workers created them, and the
    demo's commands read them."""
    deadline = asyncio.get_running_loop().time() + bound_s
    while True:
        try:
            await container.store.ping()
            return
        except Exception:
            if asyncio.get_running_loop().time() >= deadline:
                raise
            await asyncio.sleep(0.2)


async def _demo_participation(container: Container) -> None:
    from services.runtime.demo_participation import seed_participation

    try:
        written = await seed_participation(container)
    except Exception as error:  # e.g. `--no-workers` and no worker elsewhere: timed out
        log.warning("demo participation not seeded",
                    extra={"error": f"{type(error).__name__}: {error}"})
        return
    if written:
        log.info("demo participation seeded", extra={"commands": written})


def _closing(container: Container, after: asyncio.Task[None] | None = None
             ) -> asyncio.Task[None] | None:
    """The periodic freeze of ended vote phases; its first pass waits for `after`
    (the demo's ballots: a pass before them would freeze the demo's vote empty)."""
    from services.vote.commands import FreezeResults

    if FreezeResults not in container.handlers:  # the vote service is not in this process
        return None
    from datetime import timedelta

    from services.vote.closing import keep_closing
    from services.vote.settings import VoteSettings

    async def caught_up(bound_s: float = 10.0) -> None:
        if after is not None:
            await asyncio.wait({after})
        deadline = asyncio.get_running_loop().time() + bound_s
        while asyncio.get_running_loop().time() < deadline:
            if await _all_caught_up(list(container.built_workers)):
                return
            await asyncio.sleep(0.1)

    vote = VoteSettings()
    return asyncio.create_task(keep_closing(
        container.store, container.handle, container.clock.now, vote.close_every_s,
        caught_up, timedelta(seconds=vote.freeze_grace_s)), name="vote-closing")


async def _all_caught_up(workers: list[Worker]) -> bool:
    """Every worker subscribed and at lag 0, asked one at a time up to the first
    that is not: under load, one lag query per round instead of one per worker
    (each a thread hop and a count in the log; twenty of them ten times a second
    cost ~1.5 % of a loaded server's CPU, ADR 0087)."""
    if not all(w.subscribed for w in workers):
        return False
    for w in workers:
        if await w.lag():
            return False
    return True


def _jobs(container: Container, settings: Settings) -> asyncio.Task[None] | None:
    """The periodic jobs but the freeze (`_closing`), claimed in the log as
    `parlons scheduler` does, from `serve_jobs_after_s` after the start."""
    if not settings.serve_jobs_after_s:
        return None
    from services.runtime.scheduler import Scheduler, plan_of

    plan = [s for s in plan_of(settings) if s.job != "freeze-results"]
    scheduler = Scheduler(container.log, container.clock, plan,
                          first_after_s=settings.serve_jobs_after_s)
    return asyncio.create_task(scheduler.serve(), name="scheduled-jobs")


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises the stopping signal once `serve` returns, which would
        kill the process before the workers commit and the adapters close. Here a
        signal only asks the server to exit; the caller then shuts down in order.
        On a socket shared with other HTTP processes (`serve --workers N`), it
        accepts once all of them are ready, one connection a turn (ADR 0115)."""

        gate: tuple[int, int] | None = None  # (ready fd, go fd) of `start_gate`

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            if sockets is None or self.gate is None:
                await super().startup(sockets)
                return
            from services.runtime.fair_accept import FairAcceptor
            from services.runtime.start_gate import report_ready_and_wait

            config = self.config

            def create_protocol() -> asyncio.Protocol:  # as uvicorn's own startup
                return config.http_protocol_class(  # type: ignore[call-arg]
                    config=config, server_state=self.server_state,
                    app_state=self.lifespan.state)

            await self.lifespan.startup()  # off (`lifespan="off"`): as uvicorn's own
            acceptors = [FairAcceptor(sock, create_protocol) for sock in sockets]
            self.servers = acceptors  # type: ignore[assignment]  # closed as uvicorn's
            self.started = True  # its shutdown closes them, even never started
            # a stopping signal meanwhile sets `should_exit`: then nothing is accepted
            if await report_ready_and_wait(*self.gate, lambda: self.should_exit):
                for acceptor in acceptors:
                    acceptor.start()

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            loop = asyncio.get_running_loop()
            for sig in _STOP_SIGNALS:
                loop.add_signal_handler(sig, self.handle_exit, sig, None)
            try:
                yield
            finally:
                for sig in _STOP_SIGNALS:
                    loop.remove_signal_handler(sig)

    return Server


async def _worker(settings: Settings, service: str, metrics_port: int | None) -> int:
    container = bootstrap(settings, services=[service])
    port = settings.worker_metrics_port if metrics_port is None else metrics_port
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    async with running(container, workers=True), _probes(container, settings, port), \
            service_commands(container, service):
        log.info("workers running", extra={"service": service, "metrics_port": port,
                                           "projections": [p.name for p in container.projections]})
        settle_after_start()
        stopping = asyncio.ensure_future(stop.wait())
        halted = asyncio.ensure_future(container.halted.wait())
        await asyncio.wait({stopping, halted}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (stopping, halted):
            waiter.cancel()
    # 3: the log lost what these workers had seen (ADR 0032); a supervisor must not
    # restart them until an operator decided
    return LOG_BEHIND_EXIT if container.halted.is_set() else 0


@contextlib.asynccontextmanager
async def _probes(container: Container, settings: Settings, port: int) -> AsyncIterator[None]:
    """A worker's /metrics, /healthz and /readyz, served in its event loop (the
    same one as its workers: a scrape sees their gauges as they are). A port
    already taken is logged and the worker runs without them: metrics never stop
    the projections (the scrape's `up == 0` alerts)."""
    sock = _bound(settings.http_host, port) if port else None
    if sock is None:
        yield
        return
    import uvicorn

    from services.runtime.probes import worker_app

    class Quiet(uvicorn.Server):
        """Leaves the signals to the worker loop (uvicorn would take them over)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    server = Quiet(uvicorn.Config(
        worker_app(container), log_config=None, access_log=False, server_header=False,
        lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]), name="worker-probes")
    try:
        yield
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        sock.close()


def _bound(host: str, port: int) -> socket.socket | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        log.error("metrics port unavailable: this worker serves no /metrics",
                  extra={"port": port, "error": str(error)})
        return None
    sock.set_inheritable(True)
    return sock


async def _replay(settings: Settings, name: str) -> int:
    container = bootstrap(settings)
    try:
        projection = container.projection(name)
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 2
    from services.runtime.jobs.dead_letters import settle_rebuilt

    async with running(container, workers=False):
        with collector_settled():  # the container out of the collector's sight (ADR 0079)
            read, applied = await rebuild(container, name)
        counts = await _document_counts(container, projection.tables)
        settled = await settle_rebuilt(container.log, container.clock, name)
    summary = ", ".join(f"{t}: {n}" for t, n in counts.items())
    print(f"{name}: {read} events read, {applied} applied; documents: {summary}")
    if settled:
        print(f"{name}: {english_count(settled, 'dead letter')} settled by the rebuild")
    return 0


async def _replay_all(settings: Settings, jobs: int | None = None) -> int:
    from services.runtime.replay_jobs import ReplayJobFailed, start_children
    from services.runtime.supervisor import usable_cores

    jobs = usable_cores() if jobs is None else jobs
    # first: they import the services while this process builds its container
    children = await start_children(settings, jobs - 1)
    try:
        rebuilt, seconds, settled = await _rebuild_every_projection(settings, children)
    except ReplayJobFailed as failed:
        print(f"replay: {failed}; run it again to rebuild what is missing", file=sys.stderr)
        return 1
    finally:
        for child in children:  # those `rebuild_all` never reached
            await child.stop()
    processes = len({done.job for done in rebuilt.values()})
    print(f"every projection rebuilt in {seconds:.1f} s by "
          f"{english_count(processes, 'process', 'processes')}, each"
          f" reading the log once and applying each event to its projections of the topic")
    for name, done in rebuilt.items():
        where = f", child process {done.job}" if done.job else ""
        print(f"{name}: {done.read} events read, {done.applied} applied"
              f" ({done.seconds:.1f} s{where})")
        if settled[name]:
            print(f"{name}: {english_count(settled[name], 'dead letter')} settled by the "
                  "rebuild")
    return 0


async def _rebuild_every_projection(settings: Settings, children: Sequence[Child]
                                    ) -> tuple[dict[str, Rebuilt], float, dict[str, int]]:
    from services.runtime.jobs.dead_letters import settle_rebuilt

    container = bootstrap(settings)
    async with running(container, workers=False):
        with collector_settled():  # the container out of the collector's sight (ADR 0079)
            began = time.perf_counter()
            rebuilt = await rebuild_all(container, children)
            seconds = time.perf_counter() - began
        # every one settled before anything is printed (a closed stdout stops nothing)
        settled = {name: await settle_rebuilt(container.log, container.clock, name)
                   for name in rebuilt}
    return rebuilt, seconds, settled


async def rebuild_all(container: Container,
                      children: Sequence[Child] = ()) -> dict[str, Rebuilt]:
    """`parlons replay --all`: every projection rebuilt in one pass over the log
    (a restore used to start one process, and read the log once, per projection),
    shared out between this process and the `children` started beforehand (ADR
    0121), then the origin of the outside views they feed (`_record_origin`)."""
    from services.runtime.replay_jobs import rebuild_in_jobs

    rebuilt = await rebuild_in_jobs(container, children)
    await _record_origin(container, container.projections)
    return rebuilt


async def rebuild(container: Container, name: str) -> tuple[int, int]:
    """`parlons replay NAME` (services.runtime.replay.rebuild_projection), then the
    origin of an outside view it feeds (`_record_origin`)."""
    projection = container.projection(name)
    counts = await rebuild_projection(container.log, container.store, projection)
    await _record_origin(container, [projection])
    return counts


async def _record_origin(container: Container, projections: Sequence[Projection]) -> None:
    """Each rebuilt outside view (the search index) records the log it was rebuilt
    from, as a worker's rebuild does (ADR 0032): else the next start rebuilds it again."""
    identity = None
    for projection in projections:
        if await projection.built_from() is not None:
            identity = identity or await container.log.identity()
            await projection.set_built_from(identity)


async def _document_counts(container: Container, tables: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        try:
            counts[table] = sum([1 async for _ in container.store.scan(table)])
        except NotImplementedError:
            counts[table] = -1
    return counts


async def _create_topics(settings: Settings) -> int:
    from services.eventlog.kafka import ReplicationUnavailable, provision_topics
    from services.runtime.adapters import kafka_security

    try:
        registry = SchemaRegistry()
        result = provision_topics(settings.kafka_bootstrap,
                                  {**registry.topics, **registry.command_topics},
                                  security=kafka_security(settings),
                                  cap_replication=settings.kafka_dev_cap_replication)
    except ReplicationUnavailable as refused:
        print(f"topics not created: {refused}", file=sys.stderr)
        return 1
    if inspect.isawaitable(result):
        await result
    print(f"topics ready on {settings.kafka_bootstrap}")
    return 0
