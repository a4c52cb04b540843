"""faust-streaming vs a plain aiokafka loop, on the same projection workload,
against a Tansu broker (ADR 0004).

Workload: N events {"event_id", "key"} on a 3-partition topic; the projection
counts events per key into SQLite, guarded by a `seen(event_id)` table in the
same transaction (the Parlons consumer rule: at-least-once delivery,
exactly-once effect). Each consumer runs in its own process; the parent measures
throughput (first to last projected event, from the SQLite file) and
correctness under kill -9 (kill the consumer mid-stream, restart it, then check
the projection equals a recount of what was produced: nothing lost, nothing
counted twice).

    .venv/bin/python bench/faust_vs_aiokafka.py [N]
    (internal) bench/faust_vs_aiokafka.py consume-aiokafka|consume-faust BOOTSTRAP TOPIC DB
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GROUP_TIMEOUTS = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 500}
KEYS = 100


# -- the projection (shared by both consumers) --------------------------------
def open_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, at REAL)")
    db.execute("CREATE TABLE IF NOT EXISTS counts (key TEXT PRIMARY KEY, n INTEGER)")
    db.execute("CREATE TABLE IF NOT EXISTS redelivered (n INTEGER)")
    return db


def project(db: sqlite3.Connection, events: list[dict[str, str]]) -> None:
    """One transaction: the dedupe guard and the counts move together."""
    now = time.time()
    db.execute("BEGIN IMMEDIATE")
    for e in events:
        fresh = db.execute(
            "INSERT OR IGNORE INTO seen VALUES (?, ?)", (e["event_id"], now)).rowcount
        if fresh:
            db.execute("INSERT INTO counts VALUES (?, 1) "
                       "ON CONFLICT(key) DO UPDATE SET n = n + 1", (e["key"],))
        else:  # a redelivery the guard absorbed
            db.execute("INSERT INTO redelivered VALUES (1)")
    db.execute("COMMIT")


# -- consumer 1: plain aiokafka loop --------------------------------------------
async def consume_aiokafka(bootstrap: str, topic: str, db_path: str) -> None:
    from aiokafka import AIOKafkaConsumer

    db = open_db(db_path)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=Path(db_path).stem,
        enable_auto_commit=False, auto_offset_reset="earliest", **GROUP_TIMEOUTS)
    await consumer.start()
    try:
        while True:
            got = await consumer.getmany(timeout_ms=1000, max_records=500)
            records = [r for rs in got.values() for r in rs]
            if not records:
                continue
            project(db, [json.loads(r.value) for r in records])  # durable first...
            await consumer.commit()  # ...then the checkpoint
    finally:
        await consumer.stop()


# -- consumer 2: faust-streaming agent -----------------------------------------
def consume_faust(bootstrap: str, topic: str, db_path: str) -> None:
    import faust

    app = faust.App(
        Path(db_path).stem,  # the app id is the consumer group
        broker=f"kafka://{bootstrap}",
        store="memory://",
        topic_partitions=3,
        broker_session_timeout=3.0,
        broker_heartbeat_interval=0.5,
        producer_acks=-1,
        web_enabled=False,
        datadir=str(Path(db_path).parent / "faust-data"),
    )
    source = app.topic(topic, value_serializer="json")
    db = open_db(db_path)

    @app.agent(source)
    async def counter(stream):  # type: ignore[no-untyped-def]
        # the stream body only iterates and delegates (DESIGN §7)
        async for values in stream.take(500, within=0.2):
            project(db, values)

    sys.argv = [sys.argv[0], "worker", "--loglevel=warn"]
    app.main()


# -- the parent: produce, run, kill, restart, check -------------------------------
def produce(bootstrap: str, topic: str, n: int) -> Counter[str]:
    from aiokafka import AIOKafkaProducer

    async def run() -> Counter[str]:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
        await producer.start()
        expected: Counter[str] = Counter()
        try:
            futures = []
            for i in range(n):
                key = f"k{i % KEYS}"
                expected[key] += 1
                value = json.dumps({"event_id": uuid.uuid4().hex, "key": key}).encode()
                futures.append(await producer.send(topic, value, key=key.encode()))
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        return expected

    return asyncio.run(run())


def counts(db_path: str) -> tuple[int, Counter[str], float | None, float | None]:
    if not Path(db_path).exists():
        return 0, Counter(), None, None
    db = sqlite3.connect(db_path, timeout=5)
    try:
        seen, first, last = db.execute("SELECT count(*), min(at), max(at) FROM seen").fetchone()
        tally = Counter({k: n for k, n in db.execute("SELECT key, n FROM counts")})
    except sqlite3.OperationalError:  # tables not created yet
        return 0, Counter(), None, None
    finally:
        db.close()
    return seen, tally, first, last


def start_consumer(kind: str, bootstrap: str, topic: str, db_path: str) -> subprocess.Popen[bytes]:
    with open(db_path + ".stderr", "ab") as errors:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, __file__, f"consume-{kind}", bootstrap, topic, db_path],
            stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True)


def wait_for(db_path: str, proc: subprocess.Popen[bytes], target: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = counts(db_path)[0]
        if seen >= target or proc.poll() is not None:
            return seen
        time.sleep(0.05)
    return counts(db_path)[0]


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def run_one(kind: str, bootstrap: str, n: int, workdir: str) -> dict[str, object]:
    topic = f"bench-{kind}-{uuid.uuid4().hex[:8]}"
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 3, 1)])
    admin.close()
    expected = produce(bootstrap, topic, n)
    result: dict[str, object] = {"consumer": kind, "events": n}

    # throughput: one clean run into its own database
    db_path = f"{workdir}/{kind}-throughput.sqlite"
    proc = start_consumer(kind, bootstrap, topic, db_path)
    try:
        seen = wait_for(db_path, proc, n, 120)
    finally:
        stop(proc)
    _, tally, first, last = counts(db_path)
    if seen < n or first is None or last is None:
        result["error"] = _tail(db_path + ".stderr")
        result["throughput_events_per_s"] = None
        return result
    result["throughput_events_per_s"] = round(n / max(last - first, 1e-6))

    # kill -9 mid-stream, restart, recount (a fresh group: another database)
    db_path = f"{workdir}/{kind}-crash.sqlite"
    proc = start_consumer(kind, bootstrap, topic, db_path)
    killed_at = wait_for(db_path, proc, n // 3, 120)
    stop(proc, signal.SIGKILL)
    proc = start_consumer(kind, bootstrap, topic, db_path)
    try:
        seen = wait_for(db_path, proc, n, 120)
        time.sleep(1.0)  # let redeliveries, if any, land before the recount
    finally:
        stop(proc)
    seen, tally, _, _ = counts(db_path)
    db = sqlite3.connect(db_path)
    redelivered = db.execute("SELECT count(*) FROM redelivered").fetchone()[0]
    db.close()
    result.update(redelivered_and_skipped=redelivered,killed_after=killed_at, projected=seen,
                  recount_equal=tally == expected, total_counted=sum(tally.values()))
    return result


def _tail(path: str, lines: int = 15) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def main(n: int) -> None:
    from tests.tansu import Tansu

    with Tansu() as broker, TemporaryDirectory() as workdir:
        results = [run_one(kind, broker.bootstrap, n, workdir) for kind in ("aiokafka", "faust")]
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    plain, faust_ = (r["throughput_events_per_s"] for r in results)
    if isinstance(plain, int) and isinstance(faust_, int):
        print(f"faust / aiokafka throughput ratio: {faust_ / plain:.2f}")
    else:
        print("faust / aiokafka throughput ratio: n/a (faust did not complete)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "consume-aiokafka":
        asyncio.run(consume_aiokafka(*sys.argv[2:5]))
    elif len(sys.argv) > 1 and sys.argv[1] == "consume-faust":
        consume_faust(*sys.argv[2:5])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
