"""The adapters a process runs on, chosen from settings: the one place that
names a driver (SQLite, Kafka, tantivy, OpenSearch, SMTP...). Each is imported
only when chosen, so a process loads no driver it does not use."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from services.core.clock import Clock
from services.core.schema_registry import SchemaRegistry
from services.eventlog.port import EventLog
from services.runtime.settings import Settings
from services.store.port import ReadStore

if TYPE_CHECKING:
    from services.consultation.blobstore import BlobStore
    from services.eventlog.kafka_commands import (
        KafkaCommandReceiver,
        KafkaCommandSender,
        Partitions,
    )
    from services.eventlog.kafka_security import KafkaSecurity
    from services.identity.cassandra import IdentityCql
    from services.identity.ratelimit import RateLimiter
    from services.identity.service import IdentityPorts
    from services.identity.settings import IdentitySettings
    from services.runtime.read_stores import DataOwners
    from services.search.port import SearchIndex
    from services.store.cassandra_cql import CassandraConfig


def event_log(settings: Settings, registry: SchemaRegistry, *,
              on_rewind: Callable[[list[str]], None] | None = None) -> EventLog:
    """`on_rewind`: told when the log is found behind what this process saw (the
    Kafka log reports it; the SQLite file cannot change under an open process)."""
    if settings.event_log == "memory":
        from services.eventlog.memory import MemoryEventLog

        return MemoryEventLog(key_for=registry.key)
    if settings.event_log == "sqlite":
        from services.eventlog.sqlite import SqliteEventLog

        sqlite_log: EventLog = SqliteEventLog(
            _ensure_parent(settings.events_db), key_for=registry.key)
        return sqlite_log
    from services.eventlog.kafka import KafkaEventLog

    kafka_log: EventLog = KafkaEventLog(
        settings.kafka_bootstrap, registry.topics, registry.key,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        on_rewind=on_rewind,
        security=kafka_security(settings),
        idempotent_producer=settings.kafka_idempotent_producer,
    )
    return kafka_log


def command_sender(settings: Settings) -> KafkaCommandSender:
    """The front's side of the command topics (ADR 0035)."""
    from services.eventlog.kafka_commands import REPLIES, KafkaCommandSender

    replies = SchemaRegistry().command_topics[REPLIES]
    return KafkaCommandSender(settings.kafka_bootstrap, reply_partitions=replies.partitions,
                              timeout_s=settings.command_timeout_s,
                              request_timeout_ms=settings.kafka_request_timeout_ms,
                              security=kafka_security(settings))


def command_receiver(settings: Settings, topic: str, *,
                     on_assigned: Partitions, on_revoked: Partitions) -> KafkaCommandReceiver:
    """A service replica's side of its command topic: a member of the group
    `<topic>` (ADR 0035)."""
    from services.eventlog.kafka_commands import KafkaCommandReceiver

    session = settings.kafka_session_timeout_ms
    return KafkaCommandReceiver(
        settings.kafka_bootstrap, topic=topic, group=topic, on_assigned=on_assigned,
        on_revoked=on_revoked, security=kafka_security(settings),
        group_config={"session_timeout_ms": session,
                      "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
                      "rebalance_timeout_ms": session,
                      "request_timeout_ms": max(settings.kafka_request_timeout_ms,
                                                session + 1000)})


def kafka_security(settings: Settings) -> KafkaSecurity:
    """Every Kafka client's security, from the PARLONS_KAFKA_* settings."""
    from services.eventlog.kafka_security import KafkaSecurity

    return KafkaSecurity(
        protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        username=settings.kafka_sasl_username,
        password=settings.kafka_sasl_password.get_secret_value(),
        cafile=settings.kafka_ssl_cafile, certfile=settings.kafka_ssl_certfile,
        keyfile=settings.kafka_ssl_keyfile)


def read_store(settings: Settings, services: Sequence[str] = (), *,
               writes: bool = True, owners: Callable[[], DataOwners] | None = None
               ) -> ReadStore:
    """`services`: those the process hosts; `writes`: whether it runs their
    projections (a worker, the embedded server, a replay) or only reads (the HTTP
    front of the distributed topology, the scheduler); `owners`: who owns which
    table, for the `per_service` layout (asked only then)."""
    if settings.read_store == "memory":
        from services.store.memory import MemoryReadStore

        return MemoryReadStore()
    if settings.read_store == "cassandra":
        from services.store.cassandra import CassandraReadStore

        cassandra_store: ReadStore = CassandraReadStore(cassandra_config(settings))
        return cassandra_store
    if settings.read_store_layout == "per_service":
        if owners is None:
            raise ValueError("the per_service read store layout needs the tables' owners")
        return per_service_read_store(settings, services, owners(),
                                      writes=services if writes else ())
    from services.store.sqlite import SqliteReadStore

    sqlite_store: ReadStore = SqliteReadStore(_ensure_parent(settings.read_db))
    return sqlite_store


def answers_store(settings: Settings) -> ReadStore | None:
    """Where the HTTP front keeps its idempotency answers: a SQLite file of their
    own beside the shared read store (ADR 0116), or None for the read store itself.

    An answer is written at every keyed write request. In the shared read store
    each of those commits made every other connection to the file (the other HTTP
    processes' and this one's own reader) drop its whole page cache, and waited
    behind the projections' batches for the file's one write lock. Elsewhere the
    answers already live apart (`per_service`: the front's own file) or the store
    has no such lock (Cassandra, memory)."""
    if settings.read_store != "sqlite" or settings.read_store_layout == "per_service":
        return None
    from services.store.sqlite import SqliteReadStore

    return SqliteReadStore(_ensure_parent(settings.answers_db))


def per_service_read_store(settings: Settings, services: Sequence[str], owners: DataOwners,
                           *, writes: Collection[str]) -> ReadStore:
    """One SQLite file per service (ADR 0037): the ones of `writes` read-write,
    every other one read-only (connected at its first read, so a process opens
    only what it reads). A process hosting one service keeps what no service owns
    in that service's file; any other (the front) in its own `read-front.db`."""
    from services.runtime.read_stores import RoutedReadStore
    from services.store.sqlite import SqliteReadStore

    path = settings.service_read_db
    stores: dict[str, ReadStore] = {
        name: SqliteReadStore(_ensure_parent(path(name)), read_only=name not in writes)
        for name in owners.services}
    home = (stores[services[0]] if len(services) == 1 and services[0] in writes
            else SqliteReadStore(_ensure_parent(path("front"))))
    return RoutedReadStore(owners, stores, home, writable=writes)


def cassandra_config(settings: Settings) -> CassandraConfig:
    """PARLONS_CASSANDRA_*: contact points, keyspace, local DC, credentials, TLS."""
    from services.store.cassandra_cql import CassandraConfig

    password = settings.cassandra_password
    return CassandraConfig(
        contact_points=tuple(h.strip() for h in settings.cassandra_contact_points.split(",")
                             if h.strip()),
        port=settings.cassandra_port, keyspace=settings.cassandra_keyspace,
        local_dc=settings.cassandra_local_dc, username=settings.cassandra_username,
        password=password.get_secret_value() if password is not None else None,
        tls=settings.cassandra_tls,
        tls_ca_file=str(settings.cassandra_tls_ca_file) if settings.cassandra_tls_ca_file
        else None,
        tls_check_hostname=settings.cassandra_tls_check_hostname,
        replication_factor=settings.cassandra_replication_factor,
        create_schema=settings.cassandra_create_schema,
        request_timeout_s=settings.cassandra_request_timeout_s,
    )


def blob_store(settings: Settings) -> BlobStore:
    from services.consultation.blobstore import FilesystemBlobStore, MemoryBlobStore

    if settings.read_store == "memory":  # a throwaway platform keeps no files either
        return MemoryBlobStore()
    return FilesystemBlobStore(settings.data_dir / "blobs")


def search_index(settings: Settings) -> SearchIndex:
    """PARLONS_SEARCH_BACKEND: `memory` | `tantivy` (files under <data_dir>/search) |
    `opensearch` (OPENSEARCH_URL, one or more comma-separated URLs; https turns TLS
    on; OPENSEARCH_USERNAME / OPENSEARCH_PASSWORD for basic auth, OPENSEARCH_CA_CERTS
    for the CA bundle to trust, OPENSEARCH_VERIFY_CERTS=false only for a dev server).
    Default: memory when the read store is in memory (a throwaway platform), tantivy
    otherwise."""
    backend = os.environ.get("PARLONS_SEARCH_BACKEND") or (
        "memory" if settings.read_store == "memory" else "tantivy")
    if backend == "memory":
        from services.search.memory import MemorySearchIndex

        return MemorySearchIndex()
    if backend == "tantivy":
        from services.search.tantivy_index import TantivySearchIndex

        return TantivySearchIndex(settings.data_dir / "search")
    if backend == "opensearch":
        from services.search.opensearch_index import OpenSearchIndex

        return OpenSearchIndex(
            os.environ["OPENSEARCH_URL"], username=os.environ.get("OPENSEARCH_USERNAME"),
            password=os.environ.get("OPENSEARCH_PASSWORD"),
            ca_certs=os.environ.get("OPENSEARCH_CA_CERTS"),
            verify_certs=os.environ.get("OPENSEARCH_VERIFY_CERTS", "true").lower()
            not in ("0", "false", "no"))
    raise ValueError(f"PARLONS_SEARCH_BACKEND={backend!r}: memory, tantivy or opensearch")


def identity_ports(settings: Settings, clock: Clock) -> IdentityPorts:
    """The vault, token ledger and outbox (in memory for a throwaway platform; in
    the identity service's Cassandra keyspace with the Cassandra read store, ADR
    0077; else SQLite in <data_dir>/identity.db) and the mailer (outbox or SMTP)."""
    from services.identity.mailer import OutboxMailer, SmtpMailer
    from services.identity.ports import Mailer, OutboxStore, TokenLedger
    from services.identity.service import build_ports
    from services.identity.settings import IdentitySettings
    from services.identity.vault import Vault
    from services.runtime.secrets import identity_secret

    given = identity_secret(settings)
    s = IdentitySettings(identity_secret=given) if given else IdentitySettings()
    secret = s.resolved_secret()
    vault: Vault
    ledger: TokenLedger
    outbox: OutboxStore
    cql = identity_cql(settings) if settings.read_store == "cassandra" else None
    if settings.read_store == "memory":
        from services.identity.memory import MemoryOutbox, MemoryTokenLedger, MemoryVault

        vault, ledger, outbox = MemoryVault(secret), MemoryTokenLedger(), MemoryOutbox()
    elif cql is not None:
        from services.identity.cassandra import (
            CassandraOutbox,
            CassandraTokenLedger,
            CassandraVault,
        )

        vault, ledger, outbox = CassandraVault(cql, secret), CassandraTokenLedger(cql), \
            CassandraOutbox(cql)
    else:
        from services.identity.sqlite import (
            IdentityDb,
            SqliteOutbox,
            SqliteTokenLedger,
            SqliteVault,
        )

        db = IdentityDb(_ensure_parent(settings.data_dir / "identity.db"))
        vault, ledger, outbox = SqliteVault(db, secret), SqliteTokenLedger(db), SqliteOutbox(db)
    mailer: Mailer = (OutboxMailer(outbox, vault, clock) if s.mail_backend == "outbox" else
                      SmtpMailer(host=s.smtp_host, port=s.smtp_port, sender=s.mail_from,
                                 user=s.smtp_user, password=s.smtp_password,
                                 starttls=s.smtp_starttls))
    return build_ports(s, clock, vault=vault, ledger=ledger, outbox=outbox, mailer=mailer,
                       limiter=rate_limiter(settings, s, cql))


def identity_cql(settings: Settings) -> IdentityCql:
    """The identity service's Cassandra keyspace (ADR 0077), opened at first use."""
    from services.identity.cassandra import IdentityCql

    return IdentityCql(dataclasses.replace(cassandra_config(settings),
                                           keyspace=settings.cassandra_identity_keyspace))


def rate_limiter(settings: Settings, identity: IdentitySettings,
                 cql: IdentityCql | None = None) -> RateLimiter:
    """PARLONS_RATE_LIMIT_STORE: `memory` (one process) | `sqlite`
    (<data_dir>/ratelimit.db, shared by every process over that folder, ADR 0045)
    | `cassandra` (the identity keyspace, shared by every host, ADR 0077).
    Default: the read store's kind (sqlite for SQLite)."""
    from services.identity.ratelimit import MemoryRateLimiter

    backend = identity.rate_limit_store or (
        settings.read_store if settings.read_store in ("memory", "cassandra") else "sqlite")
    if backend == "memory":
        return MemoryRateLimiter()
    if backend == "cassandra":
        from services.identity.ratelimit_cassandra import CassandraRateLimiter

        return CassandraRateLimiter(cql or identity_cql(settings))
    from services.identity.ratelimit_sqlite import SqliteRateLimiter

    return SqliteRateLimiter(_ensure_parent(settings.data_dir / "ratelimit.db"))


def _ensure_parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
