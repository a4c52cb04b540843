"""GroupOffsets (ADR 0036) over a stand-in for aiokafka's admin client: every
partition asked in one request, -1 read as "no offset", and an answer that leaves
partitions out (a refusal of the whole request, which the admin client does not
raise) refused, the group's coordinator asked for again next time."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import OffsetAndMetadata

from services.eventlog.kafka_offsets import GroupOffsets

TPS = [TopicPartition("vote.events", 0), TopicPartition("vote.events", 1)]


class Broker:
    def __init__(self) -> None:
        self.answers: list[dict[TopicPartition, OffsetAndMetadata]] = []
        self.asked: list[tuple[str, int, list[TopicPartition]]] = []
        self.coordinators_found = 0

    async def start(self) -> None:
        return None

    async def find_coordinator(self, group: str) -> int:
        self.coordinators_found += 1
        return 7

    async def offsets(self, group: str, coordinator: int,
                      partitions: list[TopicPartition]) -> dict[TopicPartition, Any]:
        self.asked.append((group, coordinator, partitions))
        return self.answers.pop(0)


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    b = Broker()
    # the client's own methods, answered here (no broker, no connection)
    monkeypatch.setattr(AIOKafkaAdminClient, "start", lambda self: b.start())
    monkeypatch.setattr(AIOKafkaAdminClient, "find_coordinator",
                        lambda self, group: b.find_coordinator(group))
    monkeypatch.setattr(AIOKafkaAdminClient, "list_consumer_group_offsets",
                        lambda self, group, coordinator, partitions: b.offsets(
                            group, coordinator, partitions))
    return b


async def test_every_partition_in_one_request_and_minus_one_is_none(broker: Broker) -> None:
    offsets = GroupOffsets("127.0.0.1:1", client_id="t", timeout_s=1)
    broker.answers.append({TPS[0]: OffsetAndMetadata(42, ""), TPS[1]: OffsetAndMetadata(-1, "")})
    assert await offsets.committed("vote.tallies", TPS) == {TPS[0]: 42, TPS[1]: None}
    assert broker.asked == [("vote.tallies", 7, TPS)]


async def test_an_answer_leaving_partitions_out_is_refused_and_the_coordinator_asked_again(
        broker: Broker) -> None:
    offsets = GroupOffsets("127.0.0.1:1", client_id="t", timeout_s=1)
    broker.answers += [{}, {tp: OffsetAndMetadata(3, "") for tp in TPS}]
    with pytest.raises(KafkaError):
        await offsets.committed("vote.tallies", TPS)
    assert await offsets.committed("vote.tallies", TPS) == {tp: 3 for tp in TPS}
    assert broker.coordinators_found == 2


async def test_the_coordinator_is_remembered(broker: Broker) -> None:
    offsets = GroupOffsets("127.0.0.1:1", client_id="t", timeout_s=1)
    broker.answers += [{tp: OffsetAndMetadata(1, "") for tp in TPS}] * 3
    for _ in range(3):
        await offsets.committed("vote.tallies", TPS)
    assert broker.coordinators_found == 1
