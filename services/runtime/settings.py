"""Settings from the environment (prefix `PARLONS_`). Built only when asked:
`Settings()` reads the environment at call time, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLONS_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    # The server secrets (services/runtime/secrets.py, ADR 0050): required in
    # production; in development generated once and kept in <data_dir>/secrets/.
    secret_key: SecretStr = SecretStr("")  # signs session and CSRF cookies
    identity_secret: SecretStr = SecretStr("")  # the vault's keys, keyed hashes

    # -- adapters ---------------------------------------------------------------
    event_log: Literal["memory", "sqlite", "kafka"] = "sqlite"
    read_store: Literal["memory", "sqlite", "cassandra"] = "sqlite"
    data_dir: Path = Path("./var")
    event_log_path: Path | None = None  # default: <data_dir>/events.db
    read_store_path: Path | None = None  # default: <data_dir>/read.db
    # SQLite read store: `shared` (one <data_dir>/read.db, the embedded topology) or
    # `per_service` (<data_dir>/read-<service>.db, written only by the process of
    # that service, read-only for the others: the distributed topology on one
    # host, ADR 0037)
    read_store_layout: Literal["shared", "per_service"] = "shared"
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_request_timeout_ms: int = Field(default=5000, gt=0)
    # On Tansu a group join takes about half the session timeout: tests shorten it.
    kafka_session_timeout_ms: int = Field(default=10_000, gt=0)
    kafka_heartbeat_interval_ms: int = Field(default=3000, gt=0)
    # Security of every Kafka client (services/eventlog/kafka_security.py):
    # PLAINTEXT, SSL, SASL_SSL (SCRAM-SHA-512/256) or SASL_PLAINTEXT.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = (
        "PLAINTEXT")
    kafka_sasl_mechanism: Literal["", "SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = ""
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    kafka_ssl_cafile: str = ""  # CA of the brokers' certificates (default: the system's)
    kafka_ssl_certfile: str = ""  # client certificate, for mutual TLS
    kafka_ssl_keyfile: str = ""
    # Off: Tansu cannot start an idempotent producer; turn on against a real Kafka.
    kafka_idempotent_producer: bool = False
    # Distributed topology (ADR 0035): "kafka" sends the routed commands (ballots)
    # from the HTTP front to their service's replicas over Kafka, which `parlons
    # worker` processes then serve; "local" runs every command where it arrives.
    command_bus: Literal["local", "kafka"] = "local"
    # How long a front waits for the service's answer before a 504 (outcome unknown).
    command_timeout_s: float = Field(default=10.0, gt=0)
    # Development only: create topics with fewer replicas than topics.yaml asks when
    # the cluster has fewer brokers (one Tansu); refused in production.
    kafka_dev_cap_replication: bool = False
    # Cassandra read store (read_store=cassandra, ADR 0060)
    cassandra_contact_points: str = "127.0.0.1"  # comma-separated hosts
    cassandra_port: int = Field(default=9042, gt=0, le=65535)
    cassandra_keyspace: str = Field(default="parlons", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,47}$")
    cassandra_local_dc: str = "datacenter1"
    cassandra_username: str | None = None
    cassandra_password: SecretStr | None = None
    cassandra_tls: bool = False
    cassandra_tls_ca_file: Path | None = None  # default: the system's trust store
    cassandra_tls_check_hostname: bool = True
    # Only when the store creates the keyspace (cassandra_create_schema): production
    # keyspaces are usually provisioned by operators, with their own replication.
    cassandra_replication_factor: int = Field(default=3, ge=1)
    cassandra_create_schema: bool = True
    cassandra_request_timeout_s: float = Field(default=10.0, gt=0)
    # The identity service's keyspace, where every process that serves identity
    # (the fronts, its worker, the jobs) keeps the vault, tokens and outbox (ADR 0077)
    cassandra_identity_keyspace: str = Field(default="parlons_identity",
                                             pattern=r"^[A-Za-z][A-Za-z0-9_]{0,47}$")
    validate_events: bool = True
    # Largest accepted upload (documents), checked by the consultation service's handler.
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # `parlons blobs prune` deletes a blob no live document names only when it was
    # last stored longer ago than this (an upload whose command is still in
    # flight is never deleted; ADR 0089); `--older-than` overrides it.
    blobs_prune_grace_h: float = Field(default=24.0, ge=1)
    # Largest request body other than an upload (a whole Grand Débat questionnaire,
    # form-encoded, stays far below); larger ones get 413 before being read.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)

    # -- HTTP -------------------------------------------------------------------
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Seconds an idle keep-alive connection stays open. Longer than a proxy's or a
    # client's idle reuse (uvicorn's 5 s made a POST sent on a connection the
    # server was closing fail with a reset: found by the load tests, ADR 0057).
    http_keep_alive_s: int = Field(default=75, ge=1)
    # Seconds a stored Idempotency-Key answer is replayed and kept; older ones are
    # deleted by the front that stored them, about hourly (ADR 0103).
    idempotency_keep_s: float = Field(default=86_400.0, gt=0)
    # The servers' event loop: uvloop when installed (`auto`), or the standard one
    # (`asyncio`); `uvloop` refuses to start without it (ADR 0100).
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    # `parlons worker` serves /metrics, /healthz and /readyz on PARLONS_HTTP_HOST at
    # this port (0: none). Several workers on one host each need their own.
    worker_metrics_port: int = Field(default=9100, ge=0, le=65535)
    # In production `/metrics` answers only `Authorization: Bearer <metrics_token>`
    # (unset: not served on the public port; workers keep `--metrics-port`), and the
    # API documentation (`/docs`, `/redoc`, `/openapi.json`) is not served (ADR 0043).
    metrics_token: str = ""
    # Machine clients of the JSON API acting as the platform admin (creating a
    # consultation): `Authorization: Bearer <api_token>`; unset = none (ADR 0040).
    api_token: str = ""

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    # -- projection workers ----------------------------------------------------
    # A worker behind (the projections process saturated by proposals) reads full
    # batches: 1,000 rather than 500 halves its transactions and rewrites fewer
    # pages of the read store's WAL per event (ADR 0096); light traffic never fills one.
    worker_batch_size: int = Field(default=1000, ge=1)
    worker_poll_timeout: float = Field(default=0.5, gt=0)  # also bounds shutdown latency
    worker_retries: int = Field(default=5, ge=1)  # attempts before isolating a poison event
    worker_backoff_base: float = Field(default=0.05, ge=0)
    worker_backoff_max: float = Field(default=5.0, ge=0)
    worker_shutdown_timeout: float = Field(default=10.0, gt=0)
    # seconds between two checks that the log still holds what a worker has seen
    worker_verify_every: float = Field(default=30.0, gt=0)

    # -- `parlons scheduler` (distributed topology): each job's period, seconds --
    schedule_freeze_results_s: int = Field(default=60, ge=1)
    schedule_synthesis_jobs_s: int = Field(default=60, ge=1)
    schedule_retention_s: int = Field(default=3600, ge=1)
    schedule_opendata_s: int = Field(default=3600, ge=1)  # each consultation once a day
    schedule_meeting_notices_s: int = Field(default=300, ge=1)
    schedule_blobs_prune_s: int = Field(default=86400, ge=1)
    # `parlons serve` (embedded) runs them too, from this long after its start
    # (0: never; the freeze of ended vote phases runs in any case)
    serve_jobs_after_s: float = Field(default=60.0, ge=0)
    # `parlons serve` HTTP processes over the same SQLite log, beside one process
    # for the projections and the jobs (0: one per core; 1: everything in one
    # process, as before). `--workers` overrides it (ADR 0070).
    serve_workers: int = Field(default=0, ge=0)
    # Under `--workers N`, how long the first HTTP process ready waits for the
    # others before every ready one starts accepting (ADR 0115).
    serve_ready_wait_s: float = Field(default=20.0, ge=0)

    @model_validator(mode="after")
    def _no_development_shortcut_in_production(self) -> Settings:
        if self.environment == "production" and self.kafka_dev_cap_replication:
            raise ValueError("PARLONS_KAFKA_DEV_CAP_REPLICATION is for a development broker: "
                             "production topics keep the replication of topics.yaml")
        return self

    @property
    def events_db(self) -> Path:
        return self.event_log_path or self.data_dir / "events.db"

    @property
    def read_db(self) -> Path:
        return self.read_store_path or self.data_dir / "read.db"

    @property
    def answers_db(self) -> Path:
        """The idempotency answers of the HTTP processes, beside the shared read
        store and not in it (ADR 0116)."""
        return self.read_db.with_name("answers.db")

    def service_read_db(self, owner: str) -> Path:
        """The read store file of one service (or of a front's own answers) when the
        layout is `per_service`."""
        return self.data_dir / f"read-{owner}.db"
