"""The event-log contract on Kafka (aiokafka adapter) against a real
Kafka-protocol broker (Tansu, started once per test session)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from eventlog_contract import EventLogContract
from harness.kafka import KAFKA_GROUP_TIMEOUTS

from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog
from services.eventlog.port import EventLog

_REGISTRY = SchemaRegistry()

pytestmark = pytest.mark.kafka


class TestKafkaEventLog(EventLogContract):
    poll_timeout: ClassVar[float] = 1.0
    wait_seconds: ClassVar[float] = 20.0  # a group join on Tansu takes ~3 s

    @pytest.fixture(autouse=True)
    def _broker(self, kafka_bootstrap: str) -> None:
        self.bootstrap = kafka_bootstrap

    async def make_log(self) -> EventLog:
        return KafkaEventLog(
            self.bootstrap, _REGISTRY.topics, _REGISTRY.key, **KAFKA_GROUP_TIMEOUTS
        )
