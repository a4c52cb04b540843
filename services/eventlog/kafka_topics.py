"""Topic provisioning: create the topics of `schemas/topics.yaml` on a Kafka
cluster (used by `parlons topics create` and by the test session); and the
check every Kafka event log makes at start and on readiness: the topics exist
with the partition counts of topics.yaml (ADR 0032), and the log's identity
(the topics' ids, new whenever a topic is re-created).

Idempotent: existing topics are left as they are (their partition count is not
changed: adding partitions would move keys to other partitions and break per-key
order). A cluster with fewer brokers than topics.yaml's replication factor is
refused: a production log silently kept on one replica would lose acknowledged
events with its broker. A development broker (Tansu, one node) says so with
PARLONS_KAFKA_DEV_CAP_REPLICATION=1: the factor is then capped by the number of
brokers, and `min.insync.replicas` by the factor, or `acks=all` writes would be
refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Mapping
from functools import partial
from typing import Any

from aiokafka import TopicPartition
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import GroupIdNotFoundError, KafkaError, TopicAlreadyExistsError

from services.core.errors import EventLogUnavailable
from services.core.plurals import english_count
from services.core.schema_registry import TopicSpec
from services.eventlog.kafka_security import KafkaSecurity

ADMIN_TIMEOUT_MS = 10_000


class TopicMismatch(EventLogUnavailable):
    """A topic exists with another partition count than schemas/topics.yaml says:
    keys would go to other partitions than the ones holding their past events."""


def check_topics(cluster: Any, topics: Mapping[str, TopicSpec]) -> dict[str, list[int]]:
    """The partitions of each topic of topics.yaml in aiokafka's cluster
    metadata; raises naming each topic that is missing or has another partition
    count, and each partition without a leader (nobody to write to)."""
    wrong, missing, leaderless = [], [], []
    found: dict[str, list[int]] = {}
    for name, spec in sorted(topics.items()):
        partitions = sorted(cluster.partitions_for_topic(name) or ())
        if not partitions:
            missing.append(name)
        elif len(partitions) != spec.partitions:
            wrong.append(f"topic {name} has {len(partitions)} partitions, "
                         f"schemas/topics.yaml says {spec.partitions}")
        leaderless += [f"{name}/{p}" for p in partitions
                       if cluster.leader_for_partition(TopicPartition(name, p)) in (None, -1)]
        found[name] = partitions
    if wrong:
        raise TopicMismatch("; ".join(wrong) + " (made by another tool, or re-created by hand: "
                            "recreate it from topics.yaml before Parlons writes to it)")
    if missing:
        raise EventLogUnavailable(f"topics missing on the broker: {', '.join(missing)} "
                                  "(create them with `parlons topics create`)")
    if leaderless:
        raise EventLogUnavailable(f"partitions without a leader: {', '.join(leaderless)}")
    return found


def topics_identity(bootstrap: str, topics: Mapping[str, TopicSpec], *,
                    security: KafkaSecurity | None = None) -> str:
    """The log's identity on Kafka: a digest of the ids of the topics of
    topics.yaml (a re-created topic gets a new id). Blocking (kafka-python)."""
    try:
        admin = _admin(bootstrap, security)
        with contextlib.closing(admin):
            described = admin.describe_topics(sorted(topics))
    except KafkaError as e:
        raise EventLogUnavailable(f"kafka describe topics on {bootstrap}: {e!r}") from e
    ids = {t["name"]: t.get("topic_id") for t in described if not t.get("error_code")}
    missing = sorted(set(topics) - {n for n, i in ids.items() if i})
    if missing:
        raise EventLogUnavailable(f"topics missing on the broker: {', '.join(missing)}")
    digest = hashlib.sha256("\n".join(f"{n}={ids[n]}" for n in sorted(ids)).encode())
    return f"kafka:{digest.hexdigest()[:32]}"


class ReplicationUnavailable(ValueError):
    """topics.yaml asks for more replicas than the cluster has brokers."""


def new_topic(spec: TopicSpec, brokers: int, *, cap_replication: bool = False) -> NewTopic:
    """The topic as topics.yaml specifies it. A cluster with fewer brokers than
    the replication factor is refused, unless `cap_replication` (a development
    broker: PARLONS_KAFKA_DEV_CAP_REPLICATION=1) caps it, and
    `min.insync.replicas` with it, so `acks=all` writes still succeed."""
    if spec.replication_factor > brokers and not cap_replication:
        raise ReplicationUnavailable(
            f"{spec.name}: topics.yaml asks for {spec.replication_factor} replicas "
            f"(min.insync.replicas {spec.min_insync_replicas}) but the cluster has "
            f"{english_count(brokers, 'broker')}; for a development broker only, set "
            f"PARLONS_KAFKA_DEV_CAP_REPLICATION=1")
    replication = max(1, min(spec.replication_factor, brokers))
    configs = {
        "min.insync.replicas": str(max(1, min(spec.min_insync_replicas, replication))),
        "retention.ms": str(spec.retention_ms),
        "cleanup.policy": spec.cleanup_policy,
    }
    return NewTopic(spec.name, spec.partitions, replication, topic_configs=configs)


def _admin(bootstrap: str, security: KafkaSecurity | None = None) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="parlons-admin",
        request_timeout_ms=ADMIN_TIMEOUT_MS,
        bootstrap_timeout_ms=ADMIN_TIMEOUT_MS,
        **(security or KafkaSecurity()).client_options(),
    )


def provision_topics(bootstrap: str, topics: Mapping[str, TopicSpec], *,
                     security: KafkaSecurity | None = None,
                     cap_replication: bool = False) -> list[str]:
    """Create the missing topics; return the names created (sorted). Raises
    `ReplicationUnavailable` before creating any when the cluster has too few
    brokers for topics.yaml (see `new_topic`)."""
    try:
        admin = _admin(bootstrap, security)
    except KafkaError as e:
        raise EventLogUnavailable(f"kafka admin on {bootstrap}: {e!r}") from e
    with contextlib.closing(admin):
        try:
            brokers = len(admin.describe_cluster()["brokers"])
            existing = set(admin.list_topics())
            wanted = {name: new_topic(topics[name], brokers, cap_replication=cap_replication)
                      for name in sorted(set(topics) - existing)}
            created: list[str] = []
            for name, topic in wanted.items():
                try:  # one by one: a topic created meanwhile must not hide the others
                    admin.create_topics([topic])
                    created.append(name)
                except TopicAlreadyExistsError:
                    pass
        except KafkaError as e:
            raise EventLogUnavailable(f"kafka topic creation on {bootstrap}: {e!r}") from e
    return created


async def create_topics(bootstrap: str, topics: Mapping[str, TopicSpec], *,
                        security: KafkaSecurity | None = None,
                        cap_replication: bool = False) -> list[str]:
    """`provision_topics` off the event loop (kafka-python's admin is blocking)."""
    return await asyncio.to_thread(partial(provision_topics, security=security,
                                           cap_replication=cap_replication), bootstrap, topics)


def delete_group(bootstrap: str, group: str, *, security: KafkaSecurity | None = None) -> None:
    """Forget a consumer group's committed offsets (DeleteGroups). The broker
    refuses while the group has live members: stop its consumers first."""
    try:
        admin = _admin(bootstrap, security)
        with contextlib.closing(admin):
            result = admin.delete_groups([group])
    except GroupIdNotFoundError:
        return
    except KafkaError as e:
        raise EventLogUnavailable(f"kafka delete group {group}: {e!r}") from e
    outcome = result.get(group, "OK")
    if outcome != "OK" and not isinstance(outcome, GroupIdNotFoundError):
        raise EventLogUnavailable(f"kafka delete group {group}: {outcome!r}")
