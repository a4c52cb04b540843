"""The statistics projection in the distributed topology: the same service
(`synthesis_stats`) consuming deposit and moderation events from Kafka (the Tansu
broker of the test session) gives the figures it gives embedded."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from harness.stats_world import QUESTIONNAIRE_DOC, world

from services.runtime.bootstrap import bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore
from services.store.port import ReadStore
from services.store.projection import project_batch
from services.synthesis.stats.projection import ClosedStatsProjection
from services.synthesis.stats.read import closed_question_stats

pytestmark = pytest.mark.kafka


async def test_the_same_figures_over_kafka(kafka_bootstrap: str, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]  # own ids: the broker is shared by the session's tests
    cid, qid = f"cons-{run}", f"q-{run}"
    events = [replace(e, stream=e.stream.replace("-q-", f"-{qid}-") + f"-{run}",
                      consultation_id=cid,
                      data={**e.data, "consultation_id": cid,
                            **({"questionnaire_id": qid} if "questionnaire_id" in e.data
                               else {}),
                            "contribution_id": f"{e.data['contribution_id']}-{run}"})
              for e in world().events]

    async def seed(store: ReadStore) -> None:
        async with store.transaction() as tx:
            await tx.put("consultation_detail", "all", cid, {"id": cid, "title": "K"})
            await tx.put("questionnaires", cid, qid, {**QUESTIONNAIRE_DOC,
                                                       "questionnaire_id": qid})

    embedded = MemoryReadStore()
    await seed(embedded)
    await project_batch(ClosedStatsProjection(), events, embedded)
    expected = await closed_question_stats(embedded, cid, qid)
    assert expected["respondents"]["total"] == 5

    settings = Settings(event_log="kafka", kafka_bootstrap=kafka_bootstrap,
                        read_store="sqlite", data_dir=tmp_path,
                        kafka_session_timeout_ms=6000, kafka_heartbeat_interval_ms=1000,
                        worker_poll_timeout=0.2)
    container = bootstrap(settings, services=["synthesis_stats"])
    async with running(container):
        await seed(container.store)
        for e in events:
            await container.log.append([e])
        got: dict[str, object] = {}
        for _ in range(300):
            got = await closed_question_stats(container.store, cid, qid)
            if got == expected:
                break
            await asyncio.sleep(0.2)
    assert got == expected
