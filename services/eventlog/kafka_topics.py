"""Topic provisioning: create the topics of `schemas/topics.yaml` on a Kafka
cluster (used by `parlons topics create` and by the test session).

Idempotent: existing topics are left as they are (their partition count is not
changed: adding partitions would move keys to other partitions and break per-key
order). The replication factor is capped by the number of brokers so a
single-broker development cluster works, and `min.insync.replicas` by the
replication factor, or `acks=all` writes would be refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import GroupIdNotFoundError, KafkaError, TopicAlreadyExistsError

from services.core.errors import EventLogUnavailable
from services.core.schema_registry import TopicSpec

ADMIN_TIMEOUT_MS = 10_000


def new_topic(spec: TopicSpec, brokers: int) -> NewTopic:
    replication = max(1, min(spec.replication_factor, brokers))
    configs = {
        "min.insync.replicas": str(max(1, min(spec.min_insync_replicas, replication))),
        "retention.ms": str(spec.retention_ms),
        "cleanup.policy": spec.cleanup_policy,
    }
    return NewTopic(spec.name, spec.partitions, replication, topic_configs=configs)


def _admin(bootstrap: str) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="parlons-admin",
        request_timeout_ms=ADMIN_TIMEOUT_MS,
        bootstrap_timeout_ms=ADMIN_TIMEOUT_MS,
    )


def provision_topics(bootstrap: str, topics: Mapping[str, TopicSpec]) -> list[str]:
    """Create the missing topics; return the names created (sorted)."""
    try:
        admin = _admin(bootstrap)
    except KafkaError as e:
        raise EventLogUnavailable(f"kafka admin on {bootstrap}: {e!r}") from e
    with contextlib.closing(admin):
        try:
            brokers = len(admin.describe_cluster()["brokers"])
            existing = set(admin.list_topics())
            created: list[str] = []
            for name in sorted(set(topics) - existing):
                try:  # one by one: a topic created meanwhile must not hide the others
                    admin.create_topics([new_topic(topics[name], brokers)])
                    created.append(name)
                except TopicAlreadyExistsError:
                    pass
        except KafkaError as e:
            raise EventLogUnavailable(f"kafka topic creation on {bootstrap}: {e!r}") from e
    return created


async def create_topics(bootstrap: str, topics: Mapping[str, TopicSpec]) -> list[str]:
    """`provision_topics` off the event loop (kafka-python's admin is blocking)."""
    return await asyncio.to_thread(provision_topics, bootstrap, topics)


def delete_group(bootstrap: str, group: str) -> None:
    """Forget a consumer group's committed offsets (DeleteGroups). The broker
    refuses while the group has live members: stop its consumers first."""
    try:
        admin = _admin(bootstrap)
        with contextlib.closing(admin):
            result = admin.delete_groups([group])
    except GroupIdNotFoundError:
        return
    except KafkaError as e:
        raise EventLogUnavailable(f"kafka delete group {group}: {e!r}") from e
    outcome = result.get(group, "OK")
    if outcome != "OK" and not isinstance(outcome, GroupIdNotFoundError):
        raise EventLogUnavailable(f"kafka delete group {group}: {outcome!r}")
