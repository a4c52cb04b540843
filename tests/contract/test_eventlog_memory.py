"""The event-log contract on the in-memory fake."""

from __future__ import annotations

from eventlog_contract import EventLogContract

from services.core.schema_registry import SchemaRegistry
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import EventLog

_REGISTRY = SchemaRegistry()


class TestMemoryEventLog(EventLogContract):
    async def make_log(self) -> EventLog:
        return MemoryEventLog(key_for=_REGISTRY.key)
