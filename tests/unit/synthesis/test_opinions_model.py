"""The opinions' read model (`synthesis.opinions`) gives a consultation's analysis
what the log gives it (`OpinionBook.from_log`): the same statements, numbered
alike, the same latest opinion per participant and statement, and the same ballots
left out beside an imported conversation (ADR 0138), whatever the
events' times (re-votes, ties, a withdrawal older than the cast it follows), the
batches they come in, a redelivery, and the other consultations beside it. Its
marker moves with the consultation's own events only."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.core.envelope import Actor, Envelope
from services.core.events import Meta, wrap
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis.conversations.opinions_model import (
    ALL,
    BOOKS,
    OPINIONS,
    OpinionsProjection,
    book_of,
    opinions_changed,
)
from services.synthesis.events import ConversationImported, OpinionRecorded, StatementImported
from services.synthesis.opinions import OpinionBook
from services.vote.events import BallotCast, BallotWithdrawn

META = Meta(actor=Actor(id="system", role="system"))
T0 = datetime(2026, 12, 4, tzinfo=UTC)
CONSULTATIONS = ("c-1", "c-2")


class Writer:
    """Events of both topics, each with its stream's next version."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.synthesis: list[Envelope] = []
        self.vote: list[Envelope] = []
        self.versions: dict[str, int] = {}

    def _at(self) -> int:
        # few distinct instants: ties are common, and a later event may be older
        return self.rng.randrange(6) * 1000

    def add(self, topic: list[Envelope], event: Any, stream: str, cid: str, at_ms: int) -> None:
        version = self.versions[stream] = self.versions.get(stream, 0) + 1
        topic.append(wrap(event, stream=stream, stream_version=version, meta=META,
                          occurred_at=T0 + timedelta(milliseconds=at_ms), consultation_id=cid))

    def conversation(self, cid: str, statements: int) -> list[str]:
        self.add(self.synthesis, ConversationImported(
            consultation_id=cid, source="polis", topic="Sujet", description="", url="",
            views=3), f"conversation-{cid}", cid, 0)
        ids = [f"st-{cid}-{n}" for n in range(statements)]
        for n, sid in enumerate(ids):
            self.add(self.synthesis, StatementImported(
                statement_id=sid, consultation_id=cid, number=n * 2, author_id="pp-0",
                body=f"Énoncé {n}", moderated=self.rng.choice((-1, 0, 1)),
                created_at_ms=n, is_meta=n == 1), f"statement-{sid}", cid, n)
        return ids

    def opinion(self, cid: str, sid: str, pid: str) -> None:
        at = self._at()
        self.add(self.synthesis, OpinionRecorded(
            statement_id=sid, consultation_id=cid, participant_id=pid,
            opinion=self.rng.choice((1, -1, 0)), voted_at_ms=at), f"opinion-{sid}-{pid}", cid,
            at)

    def ballot(self, cid: str, item: str, pid: str, kind: str) -> None:
        stream, at = f"ballot-{item}-{pid}-{kind}", self._at()
        common = {"item_id": item, "consultation_id": cid, "phase_id": "v",
                  "phase_ends_at": "", "participant_id": pid, "ballot_kind": kind}
        if self.versions.get(stream) and self.rng.random() < 0.3:
            self.add(self.vote, BallotWithdrawn(**common, previous={}), stream, cid, at)
        else:
            choice = "support" if kind == "support" else self.rng.choice(
                ("agree", "disagree", "neutral"))
            self.add(self.vote, BallotCast(**common, choice=choice, qualifications=[],
                                           identity_level="email", previous=None),
                     stream, cid, at)


def a_log(seed: int) -> Writer:
    rng = random.Random(seed)
    w = Writer(rng)
    imported = {"c-1": w.conversation("c-1", 4)}
    if seed % 2:  # the other consultation has both an imported conversation and ballots
        imported["c-2"] = w.conversation("c-2", 3)
    people = [f"p-{n}" for n in range(5)]
    for _ in range(120):
        cid = rng.choice(CONSULTATIONS)
        if cid in imported and rng.random() < 0.4:
            w.opinion(cid, rng.choice(imported[cid]), rng.choice(people))
        else:
            w.ballot(cid, f"item-{cid}-{rng.randrange(4)}", rng.choice(people),
                     rng.choice(("agree", "agree", "support")))
    return w


def from_the_log(w: Writer, cid: str) -> OpinionBook:
    book = OpinionBook(cid)
    for event in (*w.synthesis, *w.vote):  # as from_log reads them: one topic, then the next
        book.apply(event)
    return book


async def projected(w: Writer, rng: random.Random) -> MemoryReadStore:
    """Both topics interleaved as a worker may get them (each in its order), in
    batches of random sizes, one of them delivered twice."""
    synthesis, vote, merged = list(w.synthesis), list(w.vote), []
    while synthesis or vote:
        source = synthesis if synthesis and (not vote or rng.random() < 0.5) else vote
        merged.append(source.pop(0))
    store, projection = MemoryReadStore(), OpinionsProjection()
    at = 0
    while at < len(merged):
        size = rng.randrange(1, 30)
        await project_batch(projection, merged[at:at + size], store)
        if rng.random() < 0.2:  # a redelivery, after a crash before the commit was seen
            await project_batch(projection, merged[max(0, at - 5):at + size], store)
        at += size
    return store


@pytest.mark.parametrize("seed", range(12))
async def test_the_model_gives_the_analysis_what_the_log_gives(seed: int) -> None:
    w = a_log(seed)
    store = await projected(w, random.Random(seed))
    for cid in CONSULTATIONS:
        truth, model = from_the_log(w, cid), await book_of(store, cid)
        assert model.latest() == truth.latest(), cid
        assert model.statements == truth.statements, cid
        assert model.facts == truth.facts, cid
        # beside an imported conversation, the ballots are left out alike (ADR 0138)
        assert model.holds_import() == truth.holds_import(), cid
        assert model.own_opinions() == truth.own_opinions(), cid
        assert (model.left_out is None) == (truth.left_out is None), cid
        if model.left_out is not None and truth.left_out is not None:
            assert model.left_out.statements == truth.left_out.statements, cid


@pytest.mark.parametrize("seed", range(12))
def test_the_book_is_the_same_whatever_the_order_of_the_topics(seed: int) -> None:
    """Ballots before an import, after it or among its events: the opinions are the
    imported conversation's, the ballots left out and counted (ADR 0138)."""
    w, rng = a_log(seed), random.Random(seed)
    synthesis, vote, merged = list(w.synthesis), list(w.vote), []
    while synthesis or vote:
        source = synthesis if synthesis and (not vote or rng.random() < 0.5) else vote
        merged.append(source.pop(0))
    for cid in CONSULTATIONS:
        truth, interleaved = from_the_log(w, cid), OpinionBook(cid)
        for event in merged:
            interleaved.apply(event)
        assert interleaved.statements == truth.statements, cid
        assert interleaved.latest() == truth.latest(), cid
        assert interleaved.own_opinions() == truth.own_opinions(), cid
        if truth.left_out is not None and interleaved.left_out is not None:
            assert interleaved.left_out.statements == truth.left_out.statements, cid
        assert (interleaved.left_out is None) == (truth.left_out is None), cid


async def test_the_marker_moves_with_the_consultations_own_opinions_only() -> None:
    w = Writer(random.Random(0))
    store, projection = MemoryReadStore(), OpinionsProjection()
    assert await opinions_changed(store, "c-1") == 0
    w.ballot("c-1", "item-1", "p-1", "agree")
    await project_batch(projection, w.vote, store)
    first = await opinions_changed(store, "c-1")
    assert first > 0
    w.conversation("c-2", 2)
    w.opinion("c-2", "st-c-2-0", "p-1")
    w.ballot("c-1", "item-1", "p-2", "support")  # a support is no opinion
    await project_batch(projection, [*w.synthesis, *w.vote[1:]], store)
    assert await opinions_changed(store, "c-1") == first
    assert await opinions_changed(store, "c-2") > 0
    w.ballot("c-1", "item-2", "p-1", "agree")
    await project_batch(projection, w.vote[2:], store)
    assert await opinions_changed(store, "c-1") > first


@pytest.mark.parametrize("seed", range(12))
async def test_redeliveries_count_once(seed: int) -> None:
    """The imported conversation's events are guarded by the model's own documents
    (ADR 0131): redelivered, they change neither the import's counts nor the
    marker of changes."""
    w = a_log(seed)
    once = MemoryReadStore()
    await project_batch(OpinionsProjection(), [*w.synthesis, *w.vote], once)
    redelivered = await projected(w, random.Random(seed))
    for cid in CONSULTATIONS:
        assert await redelivered.get(BOOKS, ALL, cid) == await once.get(BOOKS, ALL, cid)


async def test_an_opinion_written_under_the_stream_guard_is_still_guarded_by_it() -> None:
    """A document written before ADR 0131 holds no version: the per-stream guard
    the projection wrote then still tells a redelivery from a re-vote."""
    w = Writer(random.Random(1))
    [sid] = w.conversation("c-1", 1)
    w.opinion("c-1", sid, "p-1")
    w.opinion("c-1", sid, "p-1")  # a re-vote: version 2 of the same stream
    first, revote = w.synthesis[-2:]
    store, projection = MemoryReadStore(), OpinionsProjection()
    await project_batch(projection, w.synthesis[:-1], store)
    key = f"{sid} p-1"
    async with store.transaction() as tx:  # as the projection left it before
        doc = await tx.get(OPINIONS, "c-1", key)
        assert doc is not None and doc.pop("v") == 1
        await tx.put(OPINIONS, "c-1", key, doc)
        await tx.set_applied_versions(projection.name, {first.stream: 1})
    changes = await opinions_changed(store, "c-1")
    assert await project_batch(projection, [first], store) == 0
    assert await opinions_changed(store, "c-1") == changes
    assert await project_batch(projection, [revote], store) == 1
    assert await opinions_changed(store, "c-1") == changes + 1
    assert (await store.get(OPINIONS, "c-1", key) or {})["v"] == 2
