"""Settings of the vote service (prefix `PARLONS_VOTE_`), read when the
composition root asks, never at import."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class VoteSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLONS_VOTE_", extra="ignore")

    # Test switch: with False, handlers skip the application-level "already voted?"
    # read and always try the first ballot; the stream key alone must keep one ballot.
    check_existing: bool = True
    # How many times a handler reads the ballot again from the log and decides again
    # when a concurrent change of the same ballot moved it, before answering 409.
    retries: int = Field(default=5, ge=0)
    # Tests and benchmarks only: take the participant from X-Participant-Id /
    # X-Identity-Level headers (anyone can forge them; refused in production).
    trust_participant_header: bool = False
    # Bearer token of the JSON admin endpoints (recount, freeze); unset = disabled.
    admin_token: str | None = None
    # Seconds between two passes of `parlons serve` freezing the results of ended
    # vote phases (services/vote/closing.py).
    close_every_s: float = Field(default=60.0, gt=0)
    # Seconds after a vote phase's end before its results are frozen: a ballot
    # accepted just before the end may still be on its way to the log.
    freeze_grace_s: float = Field(default=120.0, ge=0)

    @model_validator(mode="after")
    def _no_trusted_header_in_production(self) -> VoteSettings:
        if self.trust_participant_header and os.environ.get("PARLONS_ENVIRONMENT") == "production":
            raise ValueError("PARLONS_VOTE_TRUST_PARTICIPANT_HEADER is for tests only")
        return self


@dataclass(frozen=True, slots=True)
class VoteOptions:
    """What handlers need of the settings (a port bound by keyword `vote_options`)."""

    check_existing: bool = True
    retries: int = 5
