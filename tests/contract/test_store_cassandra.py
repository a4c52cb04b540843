"""The read-store contract on Cassandra: runs only against a server named by
CASSANDRA_CONTACT_POINTS (comma-separated hosts); skipped, and says so, otherwise.

    docker run -d --name parlons-cassandra -p 9042:9042 cassandra:5
    CASSANDRA_CONTACT_POINTS=127.0.0.1 .venv/bin/pytest -q tests/contract/test_store_cassandra.py

Optional: CASSANDRA_PORT (9042), CASSANDRA_LOCAL_DC (datacenter1), CASSANDRA_KEYSPACE
(parlons_contract, created with replication factor CASSANDRA_REPLICATION_FACTOR, 1),
CASSANDRA_USERNAME / CASSANDRA_PASSWORD, CASSANDRA_TLS=1 (CASSANDRA_TLS_CA_FILE).
The store's own logic also runs without a server, on a fake session
(tests/unit/store/test_cassandra_store.py)."""

from __future__ import annotations

import os

import pytest
from store_contract import ReadStoreContract, new_name

from services.core.errors import StoreUnavailable
from services.store.port import ReadStore

CONTACT_POINTS = os.environ.get("CASSANDRA_CONTACT_POINTS", "")
pytestmark = pytest.mark.skipif(
    not CONTACT_POINTS,
    reason="CASSANDRA_CONTACT_POINTS is not set: the Cassandra contract run is skipped")


def config(**changes: object) -> object:
    from services.store.cassandra_cql import CassandraConfig

    env = os.environ.get
    base = dict(
        contact_points=tuple(h.strip() for h in CONTACT_POINTS.split(",") if h.strip()),
        port=int(env("CASSANDRA_PORT", "9042")),
        keyspace=env("CASSANDRA_KEYSPACE", "parlons_contract"),
        local_dc=env("CASSANDRA_LOCAL_DC", "datacenter1"),
        username=env("CASSANDRA_USERNAME") or None, password=env("CASSANDRA_PASSWORD") or None,
        tls=env("CASSANDRA_TLS", "") in ("1", "true"), tls_ca_file=env("CASSANDRA_TLS_CA_FILE"),
        replication_factor=int(env("CASSANDRA_REPLICATION_FACTOR", "1")),
    )
    base.update(changes)
    return CassandraConfig(**base)  # type: ignore[arg-type]


class TestCassandraReadStore(ReadStoreContract):
    async def make_store(self) -> ReadStore:
        from services.store.cassandra import CassandraReadStore

        return CassandraReadStore(config())  # type: ignore[arg-type]


async def test_a_commit_cut_after_its_redo_record_is_finished_by_the_next_writer() -> None:
    """The crash the redo record is for, on a real server: the write set is
    recorded, then the process "dies" before applying it; the next store to read
    that projection's guards applies it (rows and guards), once."""
    from services.store.cassandra import CassandraReadStore

    table, proj = new_name("t"), new_name("proj")
    crashed = CassandraReadStore(config())  # type: ignore[arg-type]
    await crashed.start()

    async def die(*args: object) -> None:
        raise StoreUnavailable("killed between the redo record and the rows")

    crashed._apply = die  # type: ignore[method-assign]
    with pytest.raises(StoreUnavailable):
        async with crashed.transaction() as tx:
            await tx.put(table, "p", "k", {"n": 1})
            await tx.set_applied_version(proj, "s-1", 1)
    assert await crashed.get(table, "p", "k") is None  # nothing applied yet
    await crashed.close()

    heir = CassandraReadStore(config())  # type: ignore[arg-type]
    await heir.start()
    try:
        async with heir.transaction() as tx:
            assert await tx.applied_version(proj, "s-1") == 1
        assert await heir.get(table, "p", "k") == {"n": 1}
        assert await heir.applied_version(proj, "s-1") == 1
    finally:
        await heir.close()

