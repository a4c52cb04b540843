"""The HTTP front's idempotency answers in a SQLite file of their own, beside the
shared read store (ADR 0116): answers are written and replayed there, the read
models' file never sees them, and answers kept in the read store before the
change are moved at the start, so a retry across the upgrade is still replayed."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.apikit.idempotency import TABLE, move_answers
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore
from services.store.port import ReadStore
from services.store.sqlite import SqliteReadStore

API_TOKEN = "jeton-api-de-test"
NEW = {"title": "Budget participatif 2027", "slug": "budget-2027",
       "summary": "Proposez vos projets pour le quartier."}
KEY = {"Idempotency-Key": "0b6f2c1e-create-budget"}


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path, event_log="sqlite", read_store="sqlite",
                    api_token=API_TOKEN, worker_poll_timeout=0.05, **overrides)


def client(container: Container) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(container)),
                             base_url="http://parlons.test",
                             headers={"Authorization": f"Bearer {API_TOKEN}"})


async def answers_in(store: ReadStore) -> list[tuple[str, str]]:
    return [(partition, key) async for partition, key, _ in store.scan(TABLE)]


async def test_answers_are_kept_and_replayed_from_their_own_file(tmp_path: Path) -> None:
    container = bootstrap(settings(tmp_path))
    assert container.answers is not container.store
    async with running(container, workers=False), client(container) as http:
        first = await http.post("/api/consultations", json=NEW, headers=KEY)
        again = await http.post("/api/consultations", json=NEW, headers=KEY)
        assert first.status_code == again.status_code == 201, first.text
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert len(await answers_in(container.answers)) == 1
        assert await answers_in(container.store) == []
    assert (tmp_path / "answers.db").exists() and (tmp_path / "read.db").exists()


async def test_answers_kept_in_the_read_store_before_are_moved_at_the_start(
        tmp_path: Path) -> None:
    # a platform of before ADR 0116: its answers in the read store
    before = bootstrap(settings(tmp_path))
    before.answers = before.store
    async with running(before, workers=False), client(before) as http:
        first = await http.post("/api/consultations", json=NEW, headers=KEY)
        assert first.status_code == 201, first.text
    assert not (tmp_path / "answers.db").exists()

    after = bootstrap(settings(tmp_path))
    async with running(after, workers=False), client(after) as http:
        assert await answers_in(after.store) == []
        assert len(await answers_in(after.answers)) == 1
        retried = await http.post("/api/consultations", json=NEW, headers=KEY)
        assert retried.status_code == 201
        assert retried.headers["idempotent-replayed"] == "true"
        assert retried.json() == first.json()


async def test_moving_answers_goes_page_by_page_and_twice_moves_nothing(
        tmp_path: Path) -> None:
    source, target = SqliteReadStore(tmp_path / "read.db"), SqliteReadStore(tmp_path / "a.db")
    await source.start()
    await target.start()
    try:
        async with source.transaction() as tx:
            for n in range(1_234):  # more than a page of 500
                await tx.put(TABLE, f"{n % 7}", f"k{n}", {"status": 201, "n": n})
            await tx.put("other_table", "p", "k", {"kept": True})
        assert await move_answers(source, target) == 1_234
        assert await answers_in(source) == []
        assert len(await answers_in(target)) == 1_234
        assert await target.get(TABLE, "3", "k10") == {"status": 201, "n": 10}
        assert await source.get("other_table", "p", "k") == {"kept": True}
        assert await move_answers(source, target) == 0
    finally:
        await source.close()
        await target.close()


def test_the_answers_share_the_store_where_it_is_not_one_sqlite_file(tmp_path: Path) -> None:
    memory = bootstrap(Settings(data_dir=tmp_path, read_store="memory"))
    assert memory.answers is memory.store
    per_service = bootstrap(settings(tmp_path, read_store_layout="per_service"))
    assert per_service.answers is per_service.store  # the front's own file already
    fake = MemoryReadStore()
    assert bootstrap(settings(tmp_path), store=fake).answers is fake
