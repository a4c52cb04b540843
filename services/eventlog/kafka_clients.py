"""What every aiokafka client Parlons creates shares: no automatic topic creation.

A Kafka metadata request may ask the broker to create the topics it names
(`allow_auto_topic_creation`), and aiokafka always asks (its `MetadataRequest`
defaults to True from v4 on, with no client setting to turn it off). A producer
or a consumer that names a missing topic -- after a broker came back empty, say --
then gets one made with the broker's default partition count (4 on Tansu), which
silently moves keys to other partitions and hides the loss. Parlons creates
topics only from schemas/topics.yaml (`parlons topics create`), so its clients
send the flag as False: a missing topic stays missing, and writes to it fail
closed (ADR 0032). kafka-python's admin client, used for provisioning, never asks.

The flag is set on aiokafka's request class, once per process: every aiokafka
client of the process is a Parlons client.
"""

from __future__ import annotations

from typing import Any

import aiokafka.client
from aiokafka.protocol.metadata import MetadataRequest


class _NoAutoCreation(MetadataRequest):  # type: ignore[misc]  # untyped aiokafka
    def __init__(self, topics: list[str] | None = None,
                 allow_auto_topic_creation: bool | None = None) -> None:
        super().__init__(topics, allow_auto_topic_creation=False)


def no_topic_auto_creation() -> None:
    """Make every aiokafka metadata request of this process refuse to create topics
    (idempotent)."""
    client_module: Any = aiokafka.client
    client_module.MetadataRequest = _NoAutoCreation
