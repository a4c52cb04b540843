"""Durable appends per second: the SQLite event log with group commit, beside a
baseline measured in the same run on the same disk.

    .venv/bin/python bench/eventlog.py [--seconds 4] [--rounds 6] [--dir /some/dir]
                                       [--replay-events 20000] [--loop auto]
    .venv/bin/python bench/eventlog.py --fixed 200 --dir /dev/shm  # CPU per event only

Baseline: plain sqlite3, the log's pragmas (its `connect`: WAL, synchronous=FULL,
temp_store=MEMORY), same rows (the envelope serialised the same way), one commit per
append: what an event log without group commit does. Target on 2 cores: >= 20,000
durable events/s and >= 4x the baseline.

Ceiling, same run: what this disk and SQLite alone allow for the groups the
appenders form. Plain sqlite3, the log's own schema, APPENDERS rows per
transaction (one per appender, as group commit gathers them), one body serialised
before the clock starts, one multi-row INSERT and one COMMIT each: no envelope, no
asyncio, no log code. Group commit cannot beat it; when the ceiling itself is
under the target, the target is out of this machine's reach. Both sides write
the same rows (the log's schema and indexes, ids of a UUID's length, one stream
per appender) with the same durability, and each round also prints their CPU per
event (every thread of the process): on a shared machine the steadier figure.
The log is `SqliteEventLog` itself: the schema check that `ValidatingLog` adds in
production (ADR 0084) is not in either line. Neither line's clock counts making
its input: the ceiling's one body is serialised before it starts, and the log's
appenders are handed envelopes built before it starts (a caller's work, ~3.7 µs an
event, which the log line counted until 2026-12-06; `--fixed` prints both). The
log runs on the event loop the servers run on (`--loop auto`: uvloop when
installed, ADR 0100); `--loop asyncio` for the standard one.

If `bench/kafka_throughput.py` exists (`async def measure() -> dict`), its figures
are printed too. The SQLite figure is the last-but-one line, Kafka's the last.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import itertools
import math
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.consultation.projections import CatalogueProjection
from services.core.envelope import Actor, Envelope
from services.eventlog.port import EventLog
from services.eventlog.sqlite import SqliteEventLog, connect
from services.eventlog.sqlite_rows import SCHEMA
from services.runtime import event_loop
from services.runtime.replay import REPLAY_PAGE, rebuild_projection
from services.store.sqlite import SqliteReadStore

TARGET_EVENTS_PER_S = 20_000
TARGET_RATIO = 4.0
TARGET_SHARE_OF_CEILING = 0.75
APPENDERS = 64
_correlation = itertools.count()  # cheap ids: the bench measures the log, not uuid4


def event(stream: str, version: int, data: dict[str, Any] | None = None) -> Envelope:
    return Envelope(
        type="consultation.ConsultationCreated", schema_version=1, stream=stream,
        stream_version=version,
        data=data if data is not None else {
            "consultation_id": stream, "title": "Consultation sur le budget participatif",
            "slug": "budget-participatif", "summary": "Que financer en 2027 ?"},
        actor=Actor("p-bench", "organiser"), occurred_at=datetime.now(UTC),
        correlation_id=f"bench-{next(_correlation)}",
    )


def envelopes(streams: list[str], count: int) -> dict[str, list[Envelope]]:
    """Each stream's first `count` events, built before a clock starts, version by
    version across the streams: their ids (UUIDv7, increasing) come in the order
    the appenders hand them over, as ids made just before each append do, so the
    log's unique index on them grows at its end in both cases. A stream's events
    share one `data` dict (`event`'s content, encoded anew by the log for each),
    so a round's worth stays small."""
    data = {s: event(s, 1).data for s in streams}
    pools: dict[str, list[Envelope]] = {s: [] for s in streams}
    for version in range(1, count + 1):
        for s in streams:
            pools[s].append(event(s, version, data[s]))
    return pools


async def group_commit(path: Path, seconds: float, batch: int,
                       prebuilt: int = 0) -> dict[str, float]:
    """APPENDERS coroutines, each appending `batch` events per call, for `seconds`.
    `prebuilt`: single-event appends whose envelopes each appender is handed
    before the clock starts; past them (a round faster than planned) it builds
    its envelopes in the clock, and `built_in_clock` says how many."""
    log = SqliteEventLog(path)
    await log.start()
    done = built_in_clock = 0
    streams = [uuid.uuid4().hex for _ in range(APPENDERS)]
    pools = envelopes(streams, prebuilt)
    cpu = time.process_time()
    stop_at = time.perf_counter() + seconds

    async def appender(stream: str, pool: list[Envelope]) -> None:
        nonlocal done, built_in_clock
        version = 0
        while time.perf_counter() < stop_at:
            if version + batch <= len(pool):
                events = pool[version : version + batch]
            else:
                events = [event(stream, version + i + 1) for i in range(batch)]
                built_in_clock += batch if pool else 0
            await log.append(events, expect={stream: version})
            version += batch
            done += batch

    began = time.perf_counter()
    commits = log.commits
    await asyncio.gather(*(appender(stream, pools[stream]) for stream in streams))
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu
    commits = log.commits - commits
    await log.close()
    return {"events_per_s": done / elapsed, "events_per_commit": done / max(commits, 1),
            "events": done, "built_in_clock": built_in_clock, "cpu_s": cpu}


def commit_per_append(path: Path, seconds: float, batch: int) -> dict[str, float]:
    """The baseline: one transaction (one fsync) per append call."""
    conn = connect(path)  # the log's own pragmas
    conn.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, topic TEXT NOT NULL,"
        " event_id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, stream_version INTEGER NOT NULL,"
        " key TEXT NOT NULL, body BLOB NOT NULL, UNIQUE (stream, stream_version))"
    )
    done, stream, version = 0, uuid.uuid4().hex, 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        now = datetime.now(UTC)
        conn.execute("BEGIN IMMEDIATE")
        for i in range(batch):
            e = event(stream, version + i + 1).recorded(now)
            conn.execute(
                "INSERT INTO events (topic, event_id, stream, stream_version, key, body)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (e.topic, e.event_id, e.stream, e.stream_version, e.stream, e.to_json()),
            )
        conn.execute("COMMIT")
        version += batch
        done += batch
    elapsed = time.perf_counter() - began
    conn.close()
    return {"events_per_s": done / elapsed}


def disk_ceiling(path: Path, seconds: float, groups: int | None = None) -> dict[str, float]:
    """Groups of APPENDERS single-event appends (one stream per appender, as in
    `group_commit`) written by plain sqlite3 into the log's schema: one body,
    serialised once, for every row, so nearly all the time is SQLite's and the disk's.
    For `seconds`, or `groups` groups when given (whichever ends first)."""
    # The log's own pragmas, through its `connect`: its INSERT of many rows in an
    # open transaction keeps a statement journal as the log's savepoint does, and
    # `temp_store = MEMORY` keeps both off a temporary file (ADR 0117).
    conn = connect(path)
    conn.executescript(SCHEMA)
    insert = ("INSERT INTO events (topic, event_id, stream, stream_version, key, body) VALUES "
              + ", ".join(["(?, ?, ?, ?, ?, ?)"] * APPENDERS))
    streams = [uuid.uuid4().hex for _ in range(APPENDERS)]
    # bound as the log binds its bodies: a bytearray, which sqlite3 binds without
    # looking for an adapter as it does for bytes (ADR 0114)
    body = bytearray(event(streams[0], 1).recorded(datetime.now(UTC)).to_json())
    done, version = 0, 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds and (groups is None or version < groups):
        version += 1
        params: list[Any] = []
        for stream in streams:  # a few microseconds a group, against milliseconds of SQL
            # an id of a UUID's length, increasing as UUIDv7 ids do (ADR 0086)
            params += ("consultation.events", f"{version:08x}-0000-7000-8000-{stream[:12]}",
                       stream, version, stream, body)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(insert, params)
        conn.execute("COMMIT")
        done += APPENDERS
    elapsed = time.perf_counter() - began
    conn.close()
    return {"events_per_s": done / elapsed, "events": done}


async def single_appends(path: Path, appends: int, pool: int) -> float:
    """CPU seconds (`time.process_time`, every thread) of APPENDERS appenders each
    appending `appends` single events to a new log at `path`, taken from pools of
    `pool` envelopes built before the clock (0: each built in the clock)."""
    log = SqliteEventLog(path)
    await log.start()
    streams = [uuid.uuid4().hex for _ in range(APPENDERS)]
    pools = envelopes(streams, pool)

    async def appender(stream: str) -> None:
        handed = pools[stream]
        for version in range(appends):
            e = handed[version] if pool else event(stream, version + 1)
            await log.append([e], expect={stream: version})

    began = time.process_time()
    await asyncio.gather(*(appender(s) for s in streams))
    cpu = time.process_time() - began
    await log.close()
    return cpu


def loop_name() -> str:
    """The running event loop's package: `uvloop` or `asyncio`."""
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


async def fixed_workload(d: Path, per_appender: int) -> None:
    """CPU seconds per event (`time.process_time`, every thread) for the same number of
    events on both lines: the steadiest figure on a shared machine, where a timed run's
    throughput moves with the other processes (ADR 0086)."""
    built_before = await single_appends(d / "fixed-log.db", per_appender, per_appender)
    built_in_clock = await single_appends(d / "fixed-log-built.db", per_appender, 0)
    began = time.process_time()
    ceiling = disk_ceiling(d / "fixed-ceiling.db", float("inf"), groups=per_appender)
    ceiling_cpu = time.process_time() - began
    events = APPENDERS * per_appender
    assert ceiling["events"] == events
    print(f"fixed workload, {APPENDERS} appenders x {per_appender} single-event appends"
          f" ({loop_name()}):"
          f" CPU per event, ceiling {ceiling_cpu / events * 1e6:.1f} us,"
          f" group commit {built_before / events * 1e6:.1f} us"
          f" ({built_in_clock / events * 1e6:.1f} us with the envelopes built in the clock)")


async def kafka_figures() -> dict[str, Any] | None:
    module_path = Path(__file__).with_name("kafka_throughput.py")
    if not module_path.exists():
        return None
    spec = importlib.util.spec_from_file_location("kafka_throughput", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures: dict[str, Any] = await module.measure()
    return figures


async def decode_all(log: EventLog, topics: Sequence[str], page: int = REPLAY_PAGE) -> int:
    """Every record of `topics`, read and decoded `page` at a time, nothing applied:
    the events read (also bench/replay.py's decode-only line)."""
    read = 0
    for topic in topics:
        position: dict[int, int] = {}
        while records := await log.read(topic, start=position, limit=page):
            read += len(records)
            position = {0: records[-1].offset + 1}
    return read


async def replay_figures(path: Path, events: int) -> dict[str, float]:
    """Events/s of a decode-only pass over a log of `events` consultations, and
    of the catalogue projection rebuilt from the same log."""
    log = SqliteEventLog(path / "replay-log.db")
    await log.start()
    for first in range(0, events, 1000):  # not timed: the log to replay
        await log.append([replay_event(n) for n in range(first, min(first + 1000, events))])
    began = time.perf_counter()
    decoded = await decode_all(log, ["consultation.events"])
    decode_s = time.perf_counter() - began
    store = SqliteReadStore(path / "replay-store.db")
    await store.start()
    began = time.perf_counter()
    read, applied = await rebuild_projection(log, store, CatalogueProjection())
    replay_s = time.perf_counter() - began
    await store.close()
    await log.close()
    assert decoded == read == applied == events, (decoded, read, applied)
    return {"decode_per_s": decoded / decode_s, "replay_per_s": applied / replay_s}


def replay_event(n: int) -> Envelope:
    stream = f"c-{n:08d}"
    return Envelope(
        type="consultation.ConsultationCreated", schema_version=1, stream=stream,
        stream_version=1,
        data={"consultation_id": stream, "title": f"Consultation {n}", "slug": f"c-{n}",
              "summary": "Que financer en 2027 ?", "organiser": "Ville", "themes": [],
              "territories": []},
        actor=Actor("p-bench", "organiser"), occurred_at=datetime.now(UTC),
        correlation_id=f"bench-{n}", consultation_id=stream,
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=6,
                        help="alternating rounds of the ceiling and the single-event log")
    parser.add_argument("--replay-events", type=int, default=20_000)
    parser.add_argument("--dir", type=Path, default=None, help="where the files go")
    parser.add_argument("--fixed", type=int, default=0, metavar="N",
                        help="only the CPU per event of a fixed workload: each appender"
                        " appends N single events (with --dir /dev/shm: no fsync)")
    parser.add_argument("--appends-only", type=int, default=0, metavar="N",
                        help="only the log's appends of --fixed: each appender appends N"
                        " of --pool envelopes built beforehand (bench/instructions.py"
                        " --what event: its two runs build the same pools)")
    parser.add_argument("--pool", type=int, default=0, metavar="M",
                        help="with --appends-only: envelopes built per appender (>= N)")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                        help="the log's event loop, as PARLONS_EVENT_LOOP (auto: uvloop"
                        " when installed, as `parlons serve` and `parlons worker` run)")
    return parser.parse_args()


async def main(args: argparse.Namespace) -> None:

    if args.appends_only:
        pool = max(args.pool, args.appends_only)
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            spent = await single_appends(Path(tmp) / "log.db", args.appends_only, pool)
        print(f"{APPENDERS} appenders x {args.appends_only} single-event appends"
              f" (of {pool} envelopes each built before): {spent:.2f} s of CPU")
        return
    if args.fixed:
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            await fixed_workload(Path(tmp), args.fixed)
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        d = Path(tmp)
        print(f"files in {d}; {APPENDERS} concurrent appenders; {args.seconds:.0f} s each;"
              f" event loop {loop_name()}")
        rows = []
        for batch in (1, 4):
            base = commit_per_append(d / f"baseline-{batch}.db", args.seconds, batch)
            ours = await group_commit(d / f"log-{batch}.db", args.seconds, batch)
            ratio = ours["events_per_s"] / base["events_per_s"]
            rows.append((batch, ours, base, ratio))
            print(
                f"batch of {batch}: group commit {ours['events_per_s']:,.0f} ev/s"
                f" ({ours['events_per_commit']:.0f} ev/commit) | commit per append"
                f" {base['events_per_s']:,.0f} ev/s | ratio {ratio:.1f}x"
            )

        shares: list[float] = []
        cpu: dict[str, list[float]] = {"ceiling": [], "log": []}
        share_s = args.seconds / args.rounds
        for n in range(args.rounds):
            began = time.process_time()
            ceiling = disk_ceiling(d / f"ceiling-{n}.db", share_s)
            cpu["ceiling"].append((time.process_time() - began) / ceiling["events"])
            # envelopes for half again the ceiling's pace: the log cannot go faster
            pool = math.ceil(ceiling["events"] / APPENDERS * 1.5) + 16
            single = await group_commit(d / f"round-{n}.db", share_s, 1, prebuilt=pool)
            cpu["log"].append(single["cpu_s"] / single["events"])
            shares.append(single["events_per_s"] / ceiling["events_per_s"])
            print(
                f"round {n + 1}: ceiling of this disk and SQLite for groups of {APPENDERS}"
                f" single-event appends (plain sqlite3, the log's schema, no log code)"
                f" {ceiling['events_per_s']:,.0f} ev/s; group commit"
                f" {single['events_per_s']:,.0f} ev/s, {shares[-1]:.0%} of it;"
                f" CPU per event {cpu['ceiling'][-1] * 1e6:.1f} / {cpu['log'][-1] * 1e6:.1f} us"
                + (f" ({single['built_in_clock']:,} envelopes built in the clock)"
                   if single["built_in_clock"] else "")
            )
        share = statistics.median(shares)
        # The steadier figure on a shared machine (ADR 0072): under load both lines
        # wait for a core more than for the disk, and the share tends to this ratio.
        print(
            f"CPU per event (median of the rounds, every thread of this process):"
            f" ceiling {statistics.median(cpu['ceiling']) * 1e6:.1f} us,"
            f" group commit {statistics.median(cpu['log']) * 1e6:.1f} us"
        )

        replay = await replay_figures(d, args.replay_events)
        print(
            f"replay of {args.replay_events:,} events: decode only"
            f" {replay['decode_per_s']:,.0f} ev/s | projection (consultation.catalogue)"
            f" {replay['replay_per_s']:,.0f} ev/s"
            f" ({replay['replay_per_s'] / replay['decode_per_s']:.0%} of decoding)"
        )

    kafka = await kafka_figures()
    single_row = rows[0]
    # ADR 0002's target is the single-event one: a batch of 4 against a commit per
    # batch of 4 shares a quarter as many commits, and cannot reach the same ratio.
    ok = single_row[1]["events_per_s"] >= TARGET_EVENTS_PER_S and single_row[3] >= TARGET_RATIO
    print(
        f"share of the ceiling (median of {args.rounds} rounds): {share:.0%};"
        f" target >= {TARGET_SHARE_OF_CEILING:.0%}:"
        f" {'met' if share >= TARGET_SHARE_OF_CEILING else 'NOT met'}"
    )
    print(
        f"sqlite: {single_row[1]['events_per_s']:,.0f} durable events/s (single-event appends),"
        f" {single_row[3]:.1f}x commit-per-append;"
        f" {rows[1][1]['events_per_s']:,.0f} ev/s in batches of 4, {rows[1][3]:.1f}x;"
        f" single-event target >= {TARGET_EVENTS_PER_S:,} ev/s and >= {TARGET_RATIO:.0f}x:"
        f" {'met' if ok else 'NOT met'}"
    )
    if kafka is None:
        print("kafka: skipped (bench/kafka_throughput.py not present)")
    else:
        print("kafka: " + ", ".join(f"{k}={v}" for k, v in kafka.items()))


if __name__ == "__main__":
    options = arguments()
    event_loop.run(main(options), options.loop)
