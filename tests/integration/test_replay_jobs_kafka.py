"""`parlons replay --all` shared out between processes in the distributed topology's
stores (ADR 0121): the log on Kafka (a Tansu broker of its own, so that the replay
reads this test's events only), a read store file per service that each child
writes itself, the settings given in code (a child gets them all the same)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tansu import Tansu

from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import provision_topics
from services.runtime.amnesia import MARKS
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.cli import rebuild_all
from services.runtime.demo import seed_demo
from services.runtime.replay_jobs import start_children
from services.runtime.runner import running
from services.runtime.settings import Settings

pytestmark = pytest.mark.kafka


async def _read_models(container: Container) -> dict[str, Any]:
    """Every projection's documents and guards, and the marks."""
    tables = [t for p in container.projections for t in p.tables] + [MARKS]
    found: dict[str, Any] = {t: [row async for row in container.store.scan(t)]
                             for t in tables}
    for projection in container.projections:
        found[f"guards of {projection.name}"] = [
            g async for g in container.store.guards(projection.name)]
    return found


async def test_replay_all_over_kafka_shared_out_rebuilds_the_same_read_models(
        tmp_path: Path) -> None:
    broker = Tansu().start()
    try:
        provision_topics(broker.bootstrap, SchemaRegistry().topics, cap_replication=True)
        settings = Settings(event_log="kafka", kafka_bootstrap=broker.bootstrap,
                            read_store="sqlite", read_store_layout="per_service",
                            data_dir=tmp_path)
        container = bootstrap(settings)
        async with running(container, workers=False):
            assert await seed_demo(container)
            alone = await rebuild_all(container)
            before = await _read_models(container)
            assert before["consultations"], "nothing projected: the replay would prove nothing"

            children = await start_children(settings, 2)  # as `parlons replay --all` does
            shared = await rebuild_all(container, children)

            assert {name: done.job > 0 for name, done in shared.items()} \
                == {name: container.projection_owners[name] == "consultation"
                    for name in shared}
            assert {n: (d.read, d.applied) for n, d in shared.items()} \
                == {n: (d.read, d.applied) for n, d in alone.items()}
            assert await _read_models(container) == before
    finally:
        broker.stop()
