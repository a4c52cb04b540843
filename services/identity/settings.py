"""Settings of the identity service (`PARLONS_*` environment variables)."""

from __future__ import annotations

import secrets
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DEV_SECRET = secrets.token_urlsafe(32)  # development only: one per process


class IdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLONS_", extra="ignore")

    environment: str = "development"
    # Keys the vault's key-encryption key and every keyed hash (e-mail, pseudonym,
    # IP). Changing it makes every lookup miss: treat it like a database key.
    identity_secret: str = ""
    secret_key: str = ""  # fallback: the web's secret
    # Links in e-mails. Unset: this machine at the HTTP port it serves on (a
    # development server started on another port sent links to :8000).
    public_url: str = ""
    http_port: int = Field(default=8000, ge=0, le=65535)  # PARLONS_HTTP_PORT, as the server's

    # -- magic links and mail ----------------------------------------------------
    magic_link_minutes: int = Field(default=10, ge=1, le=10)  # issue #19: 10 at most
    mail_backend: Literal["outbox", "smtp"] = "outbox"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "Parlons <ne-pas-repondre@parlons.invalid>"

    # -- retention (applied by `parlons retention`) ------------------------------
    outbox_retention_hours: int = Field(default=24, ge=0)
    erase_inactive_after_days: int = Field(default=0, ge=0)  # 0 = never

    # -- rate limits: requests per window, per action, identity and client (ADR 0045)
    # login, magic link, registration: per account asked for
    rate_login_per_hour: int = Field(default=10, ge=1)
    # each of proposal, argument, comment, questionnaire, vote, flag, opinion_groups:
    # per participant
    rate_action_per_minute: int = Field(default=30, ge=1)
    # a client (an address: a town hall, a mobile carrier's NAT) gets this many
    # times an identity's budget, per action
    rate_client_factor: int = Field(default=10, ge=1)
    # new anonymous sessions (a participant id each) per client address per hour, in a
    # burst then evenly spaced: a household or a library shares an address (ADR 0133)
    rate_anonymous_per_hour: int = Field(default=10, ge=1)
    # overrides, "action=count/seconds" or "action.client=count/seconds", comma-separated
    rate_limits: str = ""
    # where the counters live: memory (one process), sqlite (<data_dir>/ratelimit.db,
    # shared by every process over that folder) or cassandra (the identity keyspace,
    # every host); default: the read store's kind
    rate_limit_store: Literal["", "memory", "sqlite", "cassandra"] = ""
    client_hash_hours: int = Field(default=24, ge=1)  # IP hashes rotate with the day

    # -- proof of work for anonymous actions -------------------------------------
    pow_difficulty_bits: int = Field(default=18, ge=1, le=28)
    pow_ttl_seconds: int = Field(default=600, ge=10)
    # Without JavaScript, waiting this long then posting again stands in for the work.
    pow_wait_seconds: int = Field(default=30, ge=1, le=600)

    # -- OpenID Connect (FranceConnect-compatible) --------------------------------
    oidc_issuer: str = ""  # empty = no OpenID Connect login
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email given_name"
    oidc_acr_values: str = "eidas1"
    oidc_label: str = "FranceConnect"

    @model_validator(mode="after")
    def _local_public_url(self) -> IdentitySettings:
        if not self.public_url:
            self.public_url = f"http://127.0.0.1:{self.http_port}"
        return self

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    def resolved_secret(self) -> str:
        secret = self.identity_secret or self.secret_key
        if secret:
            return secret
        if self.environment in ("development", "test"):
            return _DEV_SECRET
        raise RuntimeError("PARLONS_IDENTITY_SECRET est obligatoire hors développement.")
