"""The Cassandra read store's own logic on a fake session (tests/harness/
cassandra_fake.py): the read-store contract, the redo record, batch composition,
paging statements, write timestamps and the retry policy. None of this talks to
Cassandra: the contract against a real server is tests/contract/
test_store_cassandra.py, skipped unless CASSANDRA_CONTACT_POINTS is set."""

from __future__ import annotations

import asyncio

import pytest
from contract.store_contract import ReadStoreContract, new_name
from harness.cassandra_fake import FakeCql

from services.core.errors import StoreUnavailable
from services.store.cassandra import CassandraReadStore, WriteSet
from services.store.cassandra_cql import (
    GUARD_BUCKETS,
    STATEMENTS,
    CassandraConfig,
    LamportClock,
    bucket,
    idempotent_retry_policy,
    list_statement,
)
from services.store.port import ReadStore


class TestStoreLogicOnFakeCql(ReadStoreContract):
    async def make_store(self) -> ReadStore:
        return CassandraReadStore(cql=FakeCql())


async def started(cql: FakeCql, writer: str = "w1") -> CassandraReadStore:
    store = CassandraReadStore(cql=cql, writer=writer)
    await store.start()
    return store


# -- statements ------------------------------------------------------------------------
def test_every_write_carries_a_timestamp_and_every_statement_is_named_once() -> None:
    writes = [n for n, cql in STATEMENTS.items() if cql.split()[0] in ("INSERT", "UPDATE",
                                                                        "DELETE")]
    assert writes and all("USING TIMESTAMP ?" in STATEMENTS[n] for n in writes)
    assert len(set(STATEMENTS.values())) == len(STATEMENTS)
    assert not any("counter" in cql.lower() for cql in STATEMENTS.values())


@pytest.mark.parametrize(("after", "reverse", "name", "params"), [
    (None, False, "list", ("t", "p", 5)),
    ("k", False, "list_after", ("t", "p", "k", 5)),
    (None, True, "list_rev", ("t", "p", 5)),
    ("k", True, "list_rev_after", ("t", "p", "k", 5)),
])
def test_a_page_is_one_slice_of_one_partition(after: str | None, reverse: bool, name: str,
                                              params: tuple[object, ...]) -> None:
    assert list_statement(after, reverse, 5, "t", "p") == (name, params)
    cql = STATEMENTS[name]
    assert cql.count("?") == len(params)
    assert ("ORDER BY key DESC" in cql) == reverse
    assert ("key < ?" in cql) == (reverse and after is not None)
    assert ("key > ?" in cql) == (not reverse and after is not None)


# -- batches ---------------------------------------------------------------------------
def test_a_write_set_is_one_batch_per_partition_documents_before_guards() -> None:
    ws = WriteSet()
    ws.docs = {("t", "p", "a"): {"n": 1}, ("t", "p", "b"): None, ("t", "q", "a"): {"n": 2},
               ("u", "p", "a"): {"n": 3}}
    ws.guards = {("proj", f"s-{i}"): i for i in range(40)}
    docs, guards = ws.batches(ts=77)
    for batch in [*docs, *guards]:
        partitions = {(n.replace("guard_put", "put"), p[0]) if n == "put_part" else
                      (n.replace("guard_put", "put"), p[0], p[1]) if n in ("put", "guard_put")
                      else ("put", p[1], p[2]) for n, p in batch}
        assert len(partitions) == 1
        assert all(77 in p for _, p in batch)  # one timestamp for the whole transaction
    assert sorted(len(b) for b in docs) == [1, 1, 1, 2, 2]  # (t,p) (t,q) (u,p), parts t, u
    part_batches = [b for b in docs if b[0][0] == "put_part"]
    assert sorted(p for b in part_batches for _, p in b) == [
        ("t", "p", 77), ("t", "q", 77), ("u", "p", 77)]
    assert len(guards) == len({bucket(f"s-{i}") for i in range(40)})
    assert sum(len(b) for b in guards) == 40
    assert WriteSet.decode(ws.encode()).docs == ws.docs


async def test_guards_are_applied_only_after_the_documents() -> None:
    cql = FakeCql()
    store = await started(cql)
    async with store.transaction() as tx:
        await tx.put("t", "p", "k", {"n": 1})
        await tx.set_applied_version("proj", "s", 1)
    applied = [n for b in cql.batches for n, _ in b]
    assert applied.index("guard_put") > applied.index("put")
    assert cql.calls[-1] == "redo_done"
    assert cql.calls.index("redo_put") < cql.calls.index("put")


# -- the redo record -------------------------------------------------------------------
async def test_a_commit_cut_after_its_redo_record_is_finished_once_by_the_next_reader() -> None:
    cql = FakeCql()
    crashed = await started(cql, "w1")
    cql.fail = lambda name: StoreUnavailable("down") if name == "put" else None
    with pytest.raises(StoreUnavailable):
        async with crashed.transaction() as tx:
            doc = await tx.get("t", "all", "count") or {"n": 0}
            await tx.put("t", "all", "count", {"n": doc["n"] + 1})
            await tx.set_applied_version("proj", "s-1", 1)
    cql.fail = lambda name: None
    assert await crashed.get("t", "all", "count") is None
    assert await crashed.applied_version("proj", "s-1") == 0

    heir = await started(cql, "w2")  # another replica, already running, or a new process
    for _ in range(2):  # the redelivered event is skipped: the replayed guard says so
        async with heir.transaction() as tx:
            if await tx.applied_version("proj", "s-1") < 1:
                doc = await tx.get("t", "all", "count") or {"n": 0}
                await tx.put("t", "all", "count", {"n": doc["n"] + 1})
                await tx.set_applied_version("proj", "s-1", 1)
    assert await heir.get("t", "all", "count") == {"n": 1}
    assert await heir.applied_version("proj", "s-1") == 1


async def test_a_store_starting_replays_every_lane() -> None:
    cql = FakeCql()
    crashed = await started(cql, "w1")
    cql.fail = lambda name: StoreUnavailable("down") if name == "put" else None
    with pytest.raises(StoreUnavailable):
        async with crashed.transaction() as tx:
            await tx.put("t", "p", "k", {"v": 1})  # no guard: the "_" lane
    cql.fail = lambda name: None
    await started(cql, "w2")
    assert await crashed.get("t", "p", "k") == {"v": 1}


async def test_a_failed_redo_write_leaves_nothing_and_a_retry_commits() -> None:
    cql = FakeCql()
    store = await started(cql)
    cql.fail = lambda name: StoreUnavailable("down") if name == "redo_put" else None
    with pytest.raises(StoreUnavailable):
        async with store.transaction() as tx:
            await tx.put("t", "p", "k", {"v": 1})
            await tx.set_applied_version("proj", "s", 3)
    cql.fail = lambda name: None
    assert await store.get("t", "p", "k") is None
    async with store.transaction() as tx:
        assert await tx.applied_version("proj", "s") == 0
        await tx.put("t", "p", "k", {"v": 1})
        await tx.set_applied_version("proj", "s", 3)
    assert await store.get("t", "p", "k") == {"v": 1}


async def test_a_stale_replay_loses_to_a_later_commit() -> None:
    """A redo row replayed late (its write was seen by no quorum at first) writes
    at its own, older timestamp: what a later transaction wrote stays."""
    cql = FakeCql()
    store = await started(cql)
    ws = WriteSet()
    ws.docs = {("t", "p", "k"): {"n": 1}}
    ws.guards = {("proj", "s"): 1}
    old = store.clock.next()
    async with store.transaction() as tx:
        await tx.put("t", "p", "k", {"n": 2})
        await tx.set_applied_version("proj", "s", 2)
    await cql.run("redo_put", ("proj", "ghost", "tx-old", ws.encode(), old, old))
    async with store.transaction() as tx:
        assert await tx.applied_version("proj", "s") == 2
    assert await store.get("t", "p", "k") == {"n": 2}


async def test_a_cancelled_commit_still_completes() -> None:
    cql = FakeCql()
    store = await started(cql)
    entered = asyncio.Event()

    async def writer() -> None:
        async with store.transaction() as tx:
            await tx.put("t", "p", "k", {"v": 1})
            await tx.set_applied_version("proj", "s", 1)
            entered.set()
        await asyncio.sleep(10)

    real_run = cql.run

    async def slow_run(name: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        if name == "redo_put":
            task.cancel()  # cancelled in the middle of the commit
        return await real_run(name, params)

    cql.run = slow_run  # type: ignore[method-assign]
    task = asyncio.create_task(writer())
    with pytest.raises(asyncio.CancelledError):
        await task
    cql.run = real_run  # type: ignore[method-assign]
    assert await store.get("t", "p", "k") == {"v": 1}
    assert await store.applied_version("proj", "s") == 1


async def test_drop_projection_forgets_its_redo_rows_too() -> None:
    cql = FakeCql()
    store = await started(cql)
    table, proj = new_name("t"), new_name("proj")
    async with store.transaction() as tx:
        await tx.put(table, "p", "k", {"v": 1})
        await tx.set_applied_version(proj, "s", 1)
    await store.drop_projection(proj, [table])
    assert [row[3] for row in cql._redo_get(proj)] == [None]  # only the drop marker
    assert [g async for g in store.guards(proj)] == []
    async with store.transaction() as tx:  # the rebuild writes after the drop
        await tx.put(table, "p", "k", {"v": 2})
    assert await store.get(table, "p", "k") == {"v": 2}


# -- timestamps, guards, retries ---------------------------------------------------------
def test_the_clock_never_goes_behind_what_it_saw() -> None:
    clock = LamportClock()
    first = clock.next()
    clock.observe(first + 10_000_000)  # a replica whose clock runs 10 s ahead wrote this
    assert clock.next() > first + 10_000_000
    assert clock.next() > clock.last - 1


async def test_a_transaction_outranks_the_timestamps_it_read() -> None:
    cql = FakeCql()
    store = await started(cql)
    future = store.clock.next() + 60_000_000
    await cql.run("put", ("t", "p", "k", b'{"n": 1}', future))  # written by a clock ahead
    async with store.transaction() as tx:
        doc = await tx.get("t", "p", "k")
        assert doc == {"n": 1}
        await tx.put("t", "p", "k", {"n": 2})
    assert await store.get("t", "p", "k") == {"n": 2}


def test_guards_spread_over_buckets() -> None:
    used = {bucket(f"ballot-{i}") for i in range(1000)}
    assert used == set(range(GUARD_BUCKETS))


def test_the_retry_policy_retries_idempotent_statements_a_bounded_number_of_times() -> None:
    from cassandra import ConsistencyLevel, WriteType

    policy = idempotent_retry_policy(3)
    q = ConsistencyLevel.LOCAL_QUORUM

    class Stmt:
        is_idempotent = True

    assert policy.on_write_timeout(Stmt(), q, WriteType.UNLOGGED_BATCH, 2, 1, 0) == (
        policy.RETRY, q)
    assert policy.on_write_timeout(Stmt(), q, WriteType.SIMPLE, 2, 1, 3)[0] == policy.RETHROW
    Stmt.is_idempotent = False
    assert policy.on_write_timeout(Stmt(), q, WriteType.SIMPLE, 2, 1, 0)[0] == policy.RETHROW
    assert policy.on_unavailable(Stmt(), q, 2, 1, 0) == (policy.RETRY_NEXT_HOST, q)
    assert policy.on_read_timeout(Stmt(), q, 2, 1, False, 0) == (policy.RETRY, q)


def test_tls_uses_the_given_trust_store_and_checks_hostnames() -> None:
    from services.store.cassandra_cql import ssl_context

    assert ssl_context(CassandraConfig(contact_points=("h",))) is None
    context = ssl_context(CassandraConfig(contact_points=("h",), tls=True))
    assert context is not None and context.check_hostname


async def test_an_unreachable_cluster_is_an_outage() -> None:
    """The real driver's connect path (nothing listens on loopback port 1)."""
    store = CassandraReadStore(CassandraConfig(contact_points=("127.0.0.1",), port=1,
                                               request_timeout_s=2.0))
    with pytest.raises(StoreUnavailable):
        await store.start()


def test_settings_choose_the_cassandra_store(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.runtime import adapters
    from services.runtime.settings import Settings

    for name, value in {"READ_STORE": "cassandra", "CASSANDRA_CONTACT_POINTS": "c1, c2",
                        "CASSANDRA_KEYSPACE": "consultations", "CASSANDRA_LOCAL_DC": "paris",
                        "CASSANDRA_USERNAME": "parlons", "CASSANDRA_PASSWORD": "s3cret",
                        "CASSANDRA_TLS": "true", "CASSANDRA_REPLICATION_FACTOR": "3"}.items():
        monkeypatch.setenv(f"PARLONS_{name}", value)
    settings = Settings()
    assert "s3cret" not in repr(settings)
    store = adapters.read_store(settings)  # built, not connected: nothing at construction
    assert isinstance(store, CassandraReadStore)
    assert store.config == CassandraConfig(
        contact_points=("c1", "c2"), keyspace="consultations", local_dc="paris",
        username="parlons", password="s3cret", tls=True, replication_factor=3)
    monkeypatch.setenv("PARLONS_CASSANDRA_KEYSPACE", "bad-name; DROP")
    with pytest.raises(ValueError, match="cassandra_keyspace"):
        Settings()


async def test_a_rebuild_by_a_process_whose_clock_is_behind_is_not_shadowed_by_the_drop(
) -> None:
    cql = FakeCql()
    dropper = await started(cql, "w1")
    table, proj = new_name("t"), new_name("proj")
    async with dropper.transaction() as tx:
        await tx.put(table, "p", "k", {"v": 1})
    dropper.clock.observe(dropper.clock.next() + 30_000_000)  # its clock runs 30 s ahead
    await dropper.drop_projection(proj, [table])
    late = await started(cql, "w2")  # a worker elsewhere, on the true time
    async with late.transaction() as tx:
        assert await tx.applied_versions(proj, ["s"]) == {"s": 0}  # reads the lane first
        await tx.put(table, "p", "k", {"v": 2})
        await tx.set_applied_version(proj, "s", 1)
    assert await late.get(table, "p", "k") == {"v": 2}


@pytest.mark.parametrize("changes", [{"keyspace": "x; DROP KEYSPACE y"},
                                     {"local_dc": "dc1' : 1}"}, {"contact_points": ()}])
def test_names_spliced_into_ddl_are_checked(changes: dict[str, object]) -> None:
    base: dict[str, object] = {"contact_points": ("h",)}
    with pytest.raises(ValueError):
        CassandraConfig(**{**base, **changes})  # type: ignore[arg-type]


async def test_a_page_of_nothing_sends_no_limit_zero() -> None:
    store = await started(FakeCql())  # the fake refuses LIMIT 0, as CQL does
    async with store.transaction() as tx:
        await tx.put("t", "p", "k", {})
    assert await store.list("t", "p", limit=0) == []
    assert await store.list("t", "p", limit=1) == [("k", {})]


@pytest.mark.parametrize("seed", range(5))
async def test_failures_anywhere_with_writers_taking_over_count_every_event_once(
        seed: int) -> None:
    """Every statement may fail (an outage, or the writer dying: the next attempt is
    another writer's), batches are redelivered with overlaps: in the end each event
    counted once, per stream and in total, and every guard at its stream's end."""
    import random

    from contract.store_contract import _event

    from services.core.envelope import Envelope
    from services.store.port import StoreTx
    from services.store.projection import Projection, project_batch

    table = new_name("t")

    class Tally(Projection):
        name = "tally"
        topics = ("consultation.events",)
        tables = (table,)

        async def apply(self, event: Envelope, tx: StoreTx) -> None:
            total = await tx.get(table, "all", "total") or {"n": 0}
            mine = await tx.get(table, "streams", event.stream) or {"n": 0}
            await tx.put(table, "all", "total", {"n": total["n"] + 1})
            await tx.put(table, "streams", event.stream, {"n": mine["n"] + 1})

    rng = random.Random(seed)
    cql = FakeCql()
    events = [_event(f"s-{s}", v) for v in range(1, 9) for s in range(4)]
    cql.fail = lambda name: StoreUnavailable("down") if rng.random() < 0.08 else None
    writers = 0
    store = CassandraReadStore(cql=cql, writer="w0")
    delivered = 0
    while delivered < len(events):
        start = max(0, delivered - rng.randint(0, 5))  # redeliver a few already applied
        batch = events[start:delivered + rng.randint(1, 6)]
        try:
            await store.start()
            await project_batch(Tally(), batch, store)
            delivered = start + len(batch)
        except StoreUnavailable:
            writers += 1
            store = CassandraReadStore(cql=cql, writer=f"w{writers}")  # the next owner
    cql.fail = lambda name: None
    store = CassandraReadStore(cql=cql, writer="final")
    await store.start()
    assert writers > 0
    assert await store.get(table, "all", "total") == {"n": len(events)}
    for s in range(4):
        assert await store.get(table, "streams", f"s-{s}") == {"n": 8}
        assert await store.applied_version("tally", f"s-{s}") == 8
