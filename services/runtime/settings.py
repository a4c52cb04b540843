"""Settings from the environment (prefix `PARLONS_`). Built only when asked:
`Settings()` reads the environment at call time, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLONS_", extra="ignore")

    environment: Literal["development", "production"] = "development"

    # -- adapters ---------------------------------------------------------------
    event_log: Literal["memory", "sqlite", "kafka"] = "sqlite"
    read_store: Literal["memory", "sqlite"] = "sqlite"
    data_dir: Path = Path("./var")
    event_log_path: Path | None = None  # default: <data_dir>/events.db
    read_store_path: Path | None = None  # default: <data_dir>/read.db
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_request_timeout_ms: int = Field(default=5000, gt=0)
    # On Tansu a group join takes about half the session timeout: tests shorten it.
    kafka_session_timeout_ms: int = Field(default=10_000, gt=0)
    kafka_heartbeat_interval_ms: int = Field(default=3000, gt=0)
    validate_events: bool = True
    # Largest accepted upload (documents), checked by the consultation service's handler.
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
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
    # `parlons worker` serves /metrics, /healthz and /readyz on PARLONS_HTTP_HOST at
    # this port (0: none). Several workers on one host each need their own.
    worker_metrics_port: int = Field(default=9100, ge=0, le=65535)

    # -- projection workers ----------------------------------------------------
    worker_batch_size: int = Field(default=500, ge=1)
    worker_poll_timeout: float = Field(default=0.5, gt=0)  # also bounds shutdown latency
    worker_retries: int = Field(default=5, ge=1)  # attempts before isolating a poison event
    worker_backoff_base: float = Field(default=0.05, ge=0)
    worker_backoff_max: float = Field(default=5.0, ge=0)
    worker_shutdown_timeout: float = Field(default=10.0, gt=0)
    # seconds between two checks that the log still holds what a worker has seen
    worker_verify_every: float = Field(default=30.0, gt=0)

    @property
    def events_db(self) -> Path:
        return self.event_log_path or self.data_dir / "events.db"

    @property
    def read_db(self) -> Path:
        return self.read_store_path or self.data_dir / "read.db"
