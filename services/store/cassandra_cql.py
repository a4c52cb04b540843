"""CQL of the Cassandra read store (ADR 0060): schema, named statements, the
driver's cluster and session, and the small `Cql` surface the store talks to
(so the store's logic can be exercised on a fake session without a server).

Every write carries `USING TIMESTAMP ?`, one timestamp per transaction: the same
transaction written twice (a driver retry, a redo replay) writes identical cells,
so every statement is idempotent and marked so. The driver is imported lazily,
only when a Cassandra store is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from services.core.errors import StoreUnavailable

GUARD_BUCKETS = 32  # a projection's guards spread over this many partitions
REDO_TTL_S = 7 * 24 * 3600  # a dead writer's redo rows expire; replays happen long before

SCHEMA = (
    # documents: partition = (logical table, store partition), clustering = key ascending,
    # so list(after=..., reverse=...) is one slice of one partition
    "CREATE TABLE IF NOT EXISTS docs (tbl text, part text, key text, doc blob,"
    " PRIMARY KEY ((tbl, part), key)) WITH CLUSTERING ORDER BY (key ASC)",
    # the partitions of each logical table (scan, drop_projection)
    "CREATE TABLE IF NOT EXISTS parts (tbl text, part text, PRIMARY KEY (tbl, part))",
    "CREATE TABLE IF NOT EXISTS guards (projection text, bucket int, stream text,"
    " version bigint, PRIMARY KEY ((projection, bucket), stream))",
    # one row per (projection, writer process): the write set of its last transaction,
    # written before the rows; `applied` names the last transaction fully applied
    "CREATE TABLE IF NOT EXISTS redo (projection text, writer text, txid text, writes blob,"
    " ts bigint, applied text, PRIMARY KEY (projection, writer))"
    f" WITH default_time_to_live = {REDO_TTL_S}",
)

_DOCS = "SELECT key, doc FROM docs WHERE tbl = ? AND part = ?"
STATEMENTS: dict[str, str] = {
    "get": "SELECT doc FROM docs WHERE tbl = ? AND part = ? AND key = ?",
    "tx_get": "SELECT doc, WRITETIME(doc) FROM docs WHERE tbl = ? AND part = ? AND key = ?",
    "get_many": f"{_DOCS} AND key IN ?",
    "list": f"{_DOCS} LIMIT ?",
    "list_after": f"{_DOCS} AND key > ? LIMIT ?",
    "list_rev": f"{_DOCS} ORDER BY key DESC LIMIT ?",
    "list_rev_after": f"{_DOCS} AND key < ? ORDER BY key DESC LIMIT ?",
    "count": "SELECT count(*) FROM docs WHERE tbl = ? AND part = ?",
    "parts": "SELECT part FROM parts WHERE tbl = ? AND part > ? LIMIT ?",
    "put": "INSERT INTO docs (tbl, part, key, doc) VALUES (?, ?, ?, ?) USING TIMESTAMP ?",
    "put_part": "INSERT INTO parts (tbl, part) VALUES (?, ?) USING TIMESTAMP ?",
    "delete": "DELETE FROM docs USING TIMESTAMP ? WHERE tbl = ? AND part = ? AND key = ?",
    "drop_part": "DELETE FROM docs USING TIMESTAMP ? WHERE tbl = ? AND part = ?",
    "drop_parts": "DELETE FROM parts USING TIMESTAMP ? WHERE tbl = ?",
    "guard_get": "SELECT stream, version, WRITETIME(version) FROM guards"
                 " WHERE projection = ? AND bucket = ? AND stream IN ?",
    "guard_put": "INSERT INTO guards (projection, bucket, stream, version)"
                 " VALUES (?, ?, ?, ?) USING TIMESTAMP ?",
    "guard_scan": "SELECT stream, version FROM guards"
                  " WHERE projection = ? AND bucket = ? AND stream > ? LIMIT ?",
    "guard_drop": "DELETE FROM guards USING TIMESTAMP ? WHERE projection = ? AND bucket = ?",
    "redo_get": "SELECT writer, txid, applied, writes, ts FROM redo WHERE projection = ?",
    "redo_put": "INSERT INTO redo (projection, writer, txid, writes, ts)"
                " VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?",
    "redo_done": "UPDATE redo USING TIMESTAMP ? SET applied = ?, writes = null"
                 " WHERE projection = ? AND writer = ?",
    "redo_lanes": "SELECT DISTINCT projection FROM redo",
    "redo_drop": "DELETE FROM redo USING TIMESTAMP ? WHERE projection = ?",
    "ping": "SELECT release_version FROM system.local",
}

Row = tuple[Any, ...]
Item = tuple[str, tuple[Any, ...]]  # (statement name, parameters)


def list_statement(after: str | None, reverse: bool, limit: int,
                   table: str, partition: str) -> Item:
    """The slice of a partition that `ReadStore.list` pages through (keyset paging:
    the last key of a page is the `after` of the next, in either direction)."""
    name = "list" + ("_rev" if reverse else "") + ("_after" if after is not None else "")
    params: tuple[Any, ...] = (table, partition) + ((after,) if after is not None else ())
    return name, (*params, limit)


def bucket(stream: str) -> int:
    return zlib.crc32(stream.encode()) % GUARD_BUCKETS


class Cql(Protocol):
    """What the store needs of a session: run a named statement (every page of it),
    and run a batch of named statements that all touch one partition."""

    async def run(self, name: str, params: tuple[Any, ...]) -> list[Row]: ...

    async def batch(self, items: Sequence[Item]) -> None: ...

    def close(self) -> None: ...


class LamportClock:
    """Write timestamps (µs): the wall clock, never behind a timestamp already read or
    written, so a transaction's writes outrank what it read whatever the clock skew
    between the processes that hand a partition to one another."""

    def __init__(self) -> None:
        self.last = 0

    def observe(self, ts: int | None) -> None:
        if ts is not None and ts > self.last:
            self.last = ts

    def next(self) -> int:
        self.last = max(time.time_ns() // 1000, self.last + 1)
        return self.last


@contextlib.contextmanager
def outage() -> Iterator[None]:
    """The driver's "cannot do it now" errors leave as StoreUnavailable (ADR 0031);
    a refused statement (InvalidRequest, a syntax error) stays what it is: a bug."""
    from cassandra import CoordinationFailure, OperationTimedOut, Timeout
    from cassandra import Unavailable as NoReplicas
    from cassandra.cluster import NoHostAvailable
    from cassandra.connection import ConnectionException

    try:
        yield
    except (NoReplicas, Timeout, CoordinationFailure, OperationTimedOut, NoHostAvailable,
            ConnectionException, OSError) as error:
        raise StoreUnavailable(f"read store: {type(error).__name__}: {error}") from error


@dataclass(frozen=True, slots=True)
class CassandraConfig:
    contact_points: tuple[str, ...]
    port: int = 9042
    keyspace: str = "parlons"
    local_dc: str = "datacenter1"
    username: str | None = None
    password: str | None = None
    tls: bool = False
    tls_ca_file: str | None = None  # default: the system's trust store
    tls_check_hostname: bool = True
    replication_factor: int = 3  # used only when the store creates the keyspace
    create_schema: bool = True  # CREATE ... IF NOT EXISTS at start (off: provisioned by ops)
    request_timeout_s: float = 10.0
    retries: int = 3

    def __post_init__(self) -> None:
        # both are spliced into the keyspace's DDL (CQL has no bind markers there)
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,47}", self.keyspace):
            raise ValueError(f"not a Cassandra keyspace name: {self.keyspace!r}")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", self.local_dc):
            raise ValueError(f"not a data centre name: {self.local_dc!r}")
        if not self.contact_points:
            raise ValueError("no Cassandra contact point")


def ssl_context(config: CassandraConfig) -> ssl.SSLContext | None:
    if not config.tls:
        return None
    context = ssl.create_default_context(cafile=config.tls_ca_file)
    context.check_hostname = config.tls_check_hostname
    return context


def idempotent_retry_policy(retries: int) -> Any:
    """Retry on timeouts and unavailability, up to `retries` times: every statement
    here is idempotent (explicit write timestamps), so a write retried after a
    timeout cannot count twice. Read and write timeouts retry on the same host,
    unavailability and connection errors on the next one."""
    from cassandra.policies import RetryPolicy

    class IdempotentRetryPolicy(RetryPolicy):  # type: ignore[misc]
        def on_read_timeout(self, query: Any, consistency: Any, required_responses: int,
                            received_responses: int, data_retrieved: bool,
                            retry_num: int) -> tuple[int, Any]:
            return self._again(consistency, retry_num, self.RETRY)

        def on_write_timeout(self, query: Any, consistency: Any, write_type: Any,
                             required_responses: int, received_responses: int,
                             retry_num: int) -> tuple[int, Any]:
            if query is not None and not getattr(query, "is_idempotent", False):
                return self.RETHROW, None
            return self._again(consistency, retry_num, self.RETRY)

        def on_unavailable(self, query: Any, consistency: Any, required_replicas: int,
                           alive_replicas: int, retry_num: int) -> tuple[int, Any]:
            return self._again(consistency, retry_num, self.RETRY_NEXT_HOST)

        def on_request_error(self, query: Any, consistency: Any, error: Exception,
                             retry_num: int) -> tuple[int, Any]:
            # a lost connection, an overloaded or failing coordinator: the statement
            # may have been applied, so only an idempotent one goes again
            if query is not None and not getattr(query, "is_idempotent", False):
                return self.RETHROW, None
            return self._again(consistency, retry_num, self.RETRY_NEXT_HOST)

        def _again(self, consistency: Any, retry_num: int, how: int) -> tuple[int, Any]:
            return (how, consistency) if retry_num < retries else (self.RETHROW, None)

    return IdempotentRetryPolicy()


def connect(config: CassandraConfig, schema: Sequence[str] = SCHEMA) -> tuple[Any, Any]:
    """Blocking: (cluster, session) on the keyspace, creating `schema` (the read
    store's by default) if asked."""
    from cassandra import ConsistencyLevel
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
    from cassandra.query import tuple_factory

    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=config.local_dc)),
        retry_policy=idempotent_retry_policy(config.retries),
        consistency_level=ConsistencyLevel.LOCAL_QUORUM,
        serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
        request_timeout=config.request_timeout_s,
        row_factory=tuple_factory,
    )
    auth = (PlainTextAuthProvider(username=config.username, password=config.password)
            if config.username else None)
    cluster = Cluster(list(config.contact_points), port=config.port, auth_provider=auth,
                      ssl_context=ssl_context(config),
                      execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    with outage():
        session = cluster.connect()
        try:
            if config.create_schema:
                session.execute(
                    f"CREATE KEYSPACE IF NOT EXISTS {config.keyspace} WITH replication ="
                    f" {{'class': 'NetworkTopologyStrategy',"
                    f" '{config.local_dc}': {config.replication_factor}}}")
            session.set_keyspace(config.keyspace)
            if config.create_schema:
                for ddl in schema:
                    session.execute(ddl)
        except BaseException:
            cluster.shutdown()
            raise
    return cluster, session


class DriverCql:
    """`Cql` on a cassandra-driver session: `statements` (the read store's by
    default) prepared once and marked idempotent, but for those named in
    `not_idempotent` (a lightweight transaction whose retry would misreport its
    own first write); results gathered page by page through the driver's callbacks."""

    def __init__(self, cluster: Any, session: Any, statements: Mapping[str, str] = STATEMENTS,
                 not_idempotent: Collection[str] = ()) -> None:
        self._cluster, self._session = cluster, session
        with outage():
            self._prepared = {name: session.prepare(cql) for name, cql in statements.items()}
        for name, prepared in self._prepared.items():
            prepared.is_idempotent = name not in not_idempotent

    async def run(self, name: str, params: tuple[Any, ...]) -> list[Row]:
        return await self._execute(self._prepared[name], params)

    async def batch(self, items: Sequence[Item]) -> None:
        from cassandra.query import BatchStatement, BatchType

        # UNLOGGED: the items share one partition, where a batch is atomic and
        # isolated already (and not subject to the multi-partition size limit).
        batch = BatchStatement(batch_type=BatchType.UNLOGGED)
        for name, params in items:
            batch.add(self._prepared[name], params)
        batch.is_idempotent = True
        await self._execute(batch, None)

    async def _execute(self, statement: Any, params: tuple[Any, ...] | None) -> list[Row]:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[list[Row]] = loop.create_future()
        rows: list[Row] = []
        with outage():
            future = self._session.execute_async(statement, params)

        def settle(result: list[Row] | None, error: BaseException | None) -> None:
            if done.done():
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result or [])

        def on_page(page: Any) -> None:  # on the driver's thread
            rows.extend(page or ())
            if future.has_more_pages:
                future.start_fetching_next_page()
            else:
                loop.call_soon_threadsafe(settle, rows, None)

        def on_error(error: BaseException) -> None:
            loop.call_soon_threadsafe(settle, None, error)

        future.add_callbacks(on_page, on_error)
        with outage():
            return await done

    def close(self) -> None:
        self._cluster.shutdown()
