"""`Projection.ignores` (ADR 0087): `project_batch` passes over the types a
projection declares it leaves alone (no apply, no guard), and every declaration
is true: applied after each kind of submission, an ignored event changes none of
the projection's tables (nor the search index)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import orjson
import pytest
from harness.web import make_container

from services.core.envelope import Actor, Envelope
from services.core.upcasting import upcast
from services.search.indexer import SearchIndexer
from services.search.memory import MemorySearchIndex
from services.search.port import SearchRequest
from services.store.memory import MemoryReadStore
from services.store.port import StoreTx
from services.store.projection import Projection, project_batch

GOLDEN = Path(__file__).resolve().parents[3] / "schemas" / "golden"
SUBMISSIONS = ("deposit.ProposalSubmitted", "deposit.ArgumentSubmitted",
               "deposit.CommentSubmitted", "deposit.ResponseSubmitted")
CID, CONSULTATION = "c-under-test", "cons-under-test"


def golden(event_type: str, **data: Any) -> Envelope:
    """The newest golden sample of `event_type`, about CID."""
    path = max(GOLDEN.glob(f"{event_type}.v*.json"), key=lambda p: int(p.stem.rpartition("v")[2]))
    envelope = upcast(Envelope.from_json(path.read_bytes()))
    fields = {"contribution_id": CID, "consultation_id": CONSULTATION, **data}
    return dataclasses.replace(envelope, consultation_id=CONSULTATION, data={
        **envelope.data, **{k: v for k, v in fields.items() if k in envelope.data}})


async def snapshot(projection: Projection, store: MemoryReadStore) -> bytes:
    tables = {t: sorted([(p, k, d) async for p, k, d in store.scan(t)], key=repr)
              for t in projection.tables}
    index = getattr(projection, "index", None)
    if isinstance(index, MemorySearchIndex):
        found = await index.search(SearchRequest(page_size=100))
        tables["index"] = sorted(repr(h.doc) for h in found.hits)
    return orjson.dumps(tables, default=repr)


async def applied(projection: Projection, store: MemoryReadStore, event: Envelope) -> None:
    """`apply` itself (not `project_batch`, which would pass over an ignored type)."""
    projection.begin_batch()
    async with store.transaction() as tx:
        await projection.apply(event, tx)
        await projection.end_batch(tx)


def declaring() -> list[Projection]:
    return [p for p in make_container().projections if p.ignores]


def test_the_projections_that_read_contributions_declare_what_they_ignore() -> None:
    names = {p.name for p in declaring()}
    assert {"search.indexer", "moderation.queue", "moderation.publication",
            "moderation.public_comments", "synthesis.corpus", "synthesis.closed_stats",
            "deposit.contributions",
            # an imported conversation's events (CONVERSATION_EVENTS)
            "synthesis.opinion_groups", "synthesis.opendata_settings",
            "synthesis.followup", "synthesis.runs", "synthesis.participation"} <= names


@pytest.mark.parametrize("submission", SUBMISSIONS)
async def test_an_ignored_event_changes_nothing_after_any_submission(submission: str) -> None:
    for projection in declaring():
        if isinstance(projection, SearchIndexer):
            projection = SearchIndexer(MemorySearchIndex())
        store = MemoryReadStore()
        await applied(projection, store, golden(submission))
        before = await snapshot(projection, store)
        for ignored in sorted(projection.ignores):
            await applied(projection, store, golden(ignored))
            assert await snapshot(projection, store) == before, (projection.name, ignored)


class Noisy(Projection):
    name = "test.noisy"
    topics = ("test.events",)
    tables = ("seen",)
    ignores = frozenset({"test.Noise"})

    def __init__(self) -> None:
        self.applied: list[str] = []

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        self.applied.append(event.type)
        await tx.put("seen", "all", event.stream, {"type": event.type})


def plain(event_type: str, stream: str, version: int) -> Envelope:
    return dataclasses.replace(golden("deposit.SubmissionKeyed"), type=event_type,
                               stream=stream, stream_version=version, actor=Actor.system())


async def test_project_batch_passes_over_ignored_types_without_a_guard() -> None:
    projection, store = Noisy(), MemoryReadStore()
    batch = [plain("test.Counted", "a", 1), plain("test.Noise", "b", 1),
             plain("test.Counted", "a", 2)]
    assert await project_batch(projection, batch, store) == 2
    assert projection.applied == ["test.Counted", "test.Counted"]
    assert await store.applied_version("test.noisy", "a") == 2
    assert await store.applied_version("test.noisy", "b") == 0
    assert await store.get("seen", "all", "b") is None


async def test_a_batch_passed_over_entirely_reads_no_guard(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A consumer that applies nothing of a batch (two of them per proposal) does not
    ask the store for guards it will not compare (ADR 0098)."""
    projection, store = Noisy(), MemoryReadStore()
    asked: list[list[str]] = []
    original = StoreTx.applied_versions

    async def spy(tx: StoreTx, name: str, streams: Any) -> dict[str, int]:
        asked.append(list(streams))
        return await original(tx, name, streams)

    monkeypatch.setattr(StoreTx, "applied_versions", spy)
    assert await project_batch(projection, [plain("test.Noise", "b", 1)], store) == 0
    assert asked == []
    assert await project_batch(projection, [plain("test.Counted", "a", 1)], store) == 1
    assert asked == [["a"]]
