"""The demo seed and its read models on the real embedded adapters (SQLite log and
store in a temp dir): events round-trip, state loads through `read`, replays agree."""

from __future__ import annotations

from pathlib import Path

from consultation.consultation_world import NOW
from services.consultation.demo import BIKE_ID, BUDGET_ID, GRAND_DEBAT_ID, seed_demo
from services.consultation.service import PROJECTIONS
from services.consultation.streams import TOPIC
from services.core.clock import FixedClock
from services.eventlog.sqlite import SqliteEventLog
from services.store.projection import project_batch
from services.store.sqlite import SqliteReadStore


async def test_demo_seed_and_projections_on_sqlite(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    store = SqliteReadStore(tmp_path / "store.db")
    await log.start()
    await store.start()
    try:
        clock = FixedClock(NOW)
        assert await seed_demo(log=log, clock=clock) > 0
        assert await seed_demo(log=log, clock=clock) == 0  # idempotent on the real log too
        events = [r.event for r in await log.read(TOPIC, limit=100_000)]
        for make in PROJECTIONS:
            await project_batch(make(), events, store)
        published = await store.list("published_consultations", "all")
        assert {k for k, _ in published} == {GRAND_DEBAT_ID, BIKE_ID, BUDGET_ID}
        detail = await store.get("consultation_detail", "all", GRAND_DEBAT_ID)
        assert detail is not None and detail["counts"] == {
            "articles": 3, "documents": 0, "videos": 0, "meetings": 4}
        meeting = (await store.list("meetings_by_departement", "971"))[0][1]
        assert meeting["commune"] == "Pointe-à-Pitre" and meeting["latitude"] == 16.2411
    finally:
        await log.close()
        await store.close()
