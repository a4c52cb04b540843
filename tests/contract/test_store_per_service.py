"""One SQLite read store per service (ADR 0037): the routed store passes the
read-store contract, sends each table to its owner's file, and another
service's file is opened read-only (O_RDONLY, writes refused)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_contract import ReadStoreContract

from services.core.envelope import Actor, Envelope
from services.core.errors import StoreUnavailable
from services.runtime.adapters import per_service_read_store
from services.runtime.bootstrap import data_owners
from services.runtime.read_stores import DataOwners, RoutedReadStore
from services.runtime.services import ServiceSpec
from services.runtime.settings import Settings
from services.store.port import ReadStore, StoreTx
from services.store.projection import Projection, project_batch
from services.store.sqlite import SqliteReadStore


class Ballots(Projection):
    name = "vote.tallies"
    topics = ("vote.events",)
    tables = ("ballots",)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        await tx.put("ballots", "p", event.stream, {"v": event.stream_version})


class Proposals(Projection):
    name = "deposit.contributions"
    topics = ("deposit.events",)
    tables = ("proposals",)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        await tx.put("proposals", "p", event.stream, {"v": event.stream_version})


OWNERS = DataOwners([ServiceSpec("vote", projections=(Ballots,)),
                     ServiceSpec("deposit", projections=(Proposals,))])


def routed(folder: Path, *, writable: set[str]) -> RoutedReadStore:
    stores: dict[str, ReadStore] = {
        name: SqliteReadStore(folder / f"read-{name}.db", read_only=name not in writable)
        for name in ("vote", "deposit")}
    return RoutedReadStore(OWNERS, stores, SqliteReadStore(folder / "read-front.db"),
                           writable=writable)


class TestRoutedReadStore(ReadStoreContract):
    """Tables no service owns go to the process's own store: the whole contract."""

    @pytest.fixture(autouse=True)
    def _dir(self, tmp_path: Path) -> None:
        self.folder = tmp_path

    async def make_store(self) -> ReadStore:
        return routed(self.folder, writable={"vote", "deposit"})


def _opened_modes(path: Path) -> set[int]:
    modes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if Path(os.readlink(fd)) != path:
                continue
            flags = next(line for line in Path(f"/proc/self/fdinfo/{fd.name}").read_text()
                         .splitlines() if line.startswith("flags:"))
        except (OSError, StopIteration):
            continue
        modes.add(int(flags.split()[1], 8) & os.O_ACCMODE)
    return modes


async def test_each_service_writes_its_own_file_and_reads_the_others_read_only(
        tmp_path: Path) -> None:
    vote, deposit = routed(tmp_path, writable={"vote"}), routed(tmp_path, writable={"deposit"})
    front = routed(tmp_path, writable=set())
    for store in (vote, deposit, front):
        await store.start()
    try:
        assert await project_batch(Ballots(), [_event("b-1")], vote) == 1
        assert await project_batch(Proposals(), [_event("p-1")], deposit) == 1
        only_vote = SqliteReadStore(tmp_path / "read-vote.db")
        await only_vote.start()
        assert await only_vote.get("ballots", "p", "b-1") == {"v": 1}
        assert await only_vote.get("proposals", "p", "p-1") is None  # not in vote's file
        await only_vote.close()

        assert await front.get("ballots", "p", "b-1") == {"v": 1}
        assert await front.get("proposals", "p", "p-1") == {"v": 1}
        assert await front.get_each([("proposals", "p", "p-1"), ("ballots", "p", "p-1"),
                                     ("ballots", "p", "b-1")]) == [{"v": 1}, None, {"v": 1}]
        assert await front.applied_version("vote.tallies", "b-1") == 1
        assert _opened_modes((tmp_path / "read-vote.db").resolve()) >= {os.O_RDONLY}
        with pytest.raises(PermissionError):  # the front cannot write a service's file
            async with front.transaction() as tx:
                await tx.put("ballots", "p", "b-2", {"v": 1})
        both = routed(tmp_path, writable={"vote", "deposit"})
        await both.start()
        with pytest.raises(RuntimeError, match="atomic"):
            async with both.transaction() as tx:
                await tx.put("ballots", "p", "b-3", {"v": 1})
                await tx.put("proposals", "p", "p-3", {"v": 1})
        await both.close()
        assert await front.get("ballots", "p", "b-3") is None  # rolled back
    finally:
        for store in (vote, deposit, front):
            await store.close()


async def test_the_front_s_changes_move_with_each_service_s_commits(tmp_path: Path) -> None:
    """What the public page cache and the shared computations key on (ADRs 0071,
    0039): a front reading the services' files read-only sees each one's commits."""
    vote, deposit = routed(tmp_path, writable={"vote"}), routed(tmp_path, writable={"deposit"})
    front = routed(tmp_path, writable=set())
    for store in (vote, deposit, front):
        await store.start()
    try:
        await project_batch(Ballots(), [_event("b-1")], vote)
        await project_batch(Proposals(), [_event("p-1")], deposit)
        assert await front.get("ballots", "p", "b-1") == {"v": 1}  # every file opened
        assert await front.get("proposals", "p", "p-1") == {"v": 1}
        before = front.changes()
        assert before is not None
        assert front.changes() == before  # reads are no change
        await project_batch(Ballots(), [_event("b-2")], vote)
        after_vote = front.changes()
        assert after_vote is not None and after_vote != before
        await project_batch(Proposals(), [_event("p-2")], deposit)
        assert front.changes() not in (None, after_vote)
    finally:
        for store in (vote, deposit, front):
            await store.close()


async def test_a_read_only_store_waits_for_its_owner_to_create_the_file(
        tmp_path: Path) -> None:
    reader = SqliteReadStore(tmp_path / "read-vote.db", read_only=True)
    await reader.start()
    with pytest.raises(StoreUnavailable):
        await reader.ping()
    assert not (tmp_path / "read-vote.db").exists()  # a reader never creates it
    owner = SqliteReadStore(tmp_path / "read-vote.db")
    await owner.start()
    async with owner.transaction() as tx:
        await tx.put("t", "p", "k", {"v": 1})
    await reader.ping()
    assert await reader.get("t", "p", "k") == {"v": 1}
    assert _opened_modes((tmp_path / "read-vote.db").resolve()) == {os.O_RDWR, os.O_RDONLY}
    await reader.close()
    await owner.close()


def test_every_table_has_one_owning_service() -> None:
    owners = data_owners()  # raises on a table two services write
    assert owners.tables["vote_tallies"] == "vote"
    assert owners.consumers["moderation.auto"] == "moderation"
    with pytest.raises(ValueError, match="ballots"):
        DataOwners([ServiceSpec("vote", projections=(Ballots,)),
                    ServiceSpec("deposit", projections=(Ballots,))])


async def test_the_front_opens_every_service_store_read_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, read_store_layout="per_service")
    worker = per_service_read_store(settings, ["vote"], OWNERS, writes=["vote"])
    front = per_service_read_store(settings, ["vote", "deposit"], OWNERS, writes=[])
    await worker.start()
    await front.start()
    try:
        assert await project_batch(Ballots(), [_event("b-1")], worker) == 1
        assert isinstance(front, RoutedReadStore)
        assert await front.stores["vote"].get("ballots", "p", "b-1") == {"v": 1}
        assert _opened_modes((tmp_path / "read-vote.db").resolve()) >= {os.O_RDONLY}
        assert not (tmp_path / "read-deposit.db").exists()  # nobody read or wrote it
    finally:
        await front.close()
        await worker.close()


def _event(stream: str) -> Envelope:
    return Envelope(type="test.Happened", schema_version=1, stream=stream, stream_version=1,
                    data={}, actor=Actor.system(), occurred_at=datetime(2026, 12, 4, tzinfo=UTC),
                    correlation_id="c")
