"""Root conftest. Kafka part: one Tansu broker for the whole test session,
started on first use only (tests that need no broker never pay for it), with the
topics of schemas/topics.yaml created, and stopped at session end.

Being outside any package, this file puts its folder (tests/) on sys.path
(pytest's default `prepend` import mode): that is how every test imports the
shared `harness` package and `tansu`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tansu import Tansu

from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import provision_topics


@pytest.fixture(scope="session")
def tansu_broker() -> Iterator[Tansu]:
    broker = Tansu().start()
    try:
        registry = SchemaRegistry()  # event and command topics, as `topics create`
        provision_topics(broker.bootstrap, {**registry.topics, **registry.command_topics},
                         cap_replication=True)
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(tansu_broker: Tansu) -> str:
    return tansu_broker.bootstrap
