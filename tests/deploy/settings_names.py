"""Every setting Parlons reads from its environment, by variable name, from the
settings classes themselves (and the few variables read directly)."""

from __future__ import annotations

from typing import Any

from services.identity.settings import IdentitySettings
from services.runtime.settings import Settings
from services.vote.settings import VoteSettings
from services.web.settings import WebSettings

# read with os.environ where they are used (services/runtime/adapters.py,
# services/synthesis/runs/job.py)
DIRECT = {"PARLONS_SEARCH_BACKEND": "tantivy (memory with an in-memory read store)",
          "PARLONS_SYNTHESIS_SCHEDULE_MINUTES": "0", "OPENSEARCH_URL": "(none)"}
# Set by the manifests and read by the settings now (the Cassandra read store,
# ADR 0060): nothing pending.
PENDING_ISSUE_16: set[str] = set()


def settings() -> dict[str, Any]:
    """Variable name -> default, for every settings class."""
    found: dict[str, Any] = {}
    for cls in (Settings, IdentitySettings, WebSettings, VoteSettings):
        prefix = cls.model_config.get("env_prefix", "")
        for name, field in cls.model_fields.items():
            found.setdefault(f"{prefix}{name}".upper(), field.default)
    return {**found, **DIRECT}
