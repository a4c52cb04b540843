"""A freeze (and `parlons recount`) reads every ballot of the log and keeps each
ballot stream's last state: at a national vote's millions of streams, what it keeps
a stream is what the freezing process needs in memory. Here over the real SQLite
log, whose reads decode fresh objects (the memory fake hands back the events it
already holds, so it would hide what a reader keeps)."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.core.envelope import Actor, Envelope
from services.core.events import Meta, wrap
from services.eventlog.sqlite import SqliteEventLog
from services.vote import recount
from services.vote.events import BallotCast, BallotWithdrawn, RankingCast

CID, PHASE = "c-national", "vote"
ENDS = datetime(2030, 1, 1, tzinfo=UTC)
AT = ENDS - timedelta(days=1)
STREAMS = 8_000
# Bytes a ballot stream may keep, a page of events being read included: ~440 with
# each stream's state as a shared tuple; 1,921 when the events read were kept.
KEPT_PER_STREAM = 700

pytestmark = pytest.mark.asyncio


def cast(n: int, item: str, choice: str, version: int = 1) -> Envelope:
    voter = f"voter-{n}"
    event = BallotCast(item_id=item, consultation_id=CID, phase_id=PHASE,
                       phase_ends_at=ENDS.isoformat(), participant_id=voter,
                       ballot_kind="agree", choice=choice,
                       qualifications=["clair"] if n % 5 == 0 else [],
                       identity_level="anonymous", previous=None)
    return wrap(event, stream=f"ballot-{PHASE}-{item}-{voter}", stream_version=version,
                meta=Meta(Actor(voter, "participant")), occurred_at=AT, consultation_id=CID)


async def test_a_recount_keeps_a_few_hundred_bytes_a_ballot_stream(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recount, "_PAGE", 500)  # a page's events are not what is measured
    log = SqliteEventLog(tmp_path / "events.db")
    await log.start()
    try:
        choices = ("agree", "disagree", "neutral")
        batch = [cast(n, f"item-{n % 40}", choices[n % 3]) for n in range(STREAMS)]
        for start in range(0, STREAMS, 1000):
            await log.append(batch[start:start + 1000])
        tracemalloc.start()
        try:
            counted = await recount.recount_phase(log, CID, PHASE)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        await log.close()
    tally = counted.tallies["item-0"]
    assert sum(tally["agree"][c] for c in choices) == STREAMS // 40
    assert sum(sum(t["agree"][c] for c in choices) for t in counted.tallies.values()) == STREAMS
    assert tally["qualifications"] == {"clair": STREAMS // 40}  # item-0's voters are n % 40 == 0
    assert peak < STREAMS * KEPT_PER_STREAM, f"{peak / STREAMS:.0f} bytes a ballot stream"


async def test_only_each_streams_last_state_counts_and_a_withdrawn_item_stays_listed(
        tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "events.db")
    await log.start()
    try:
        voter = "voter-w"
        withdrawn = BallotWithdrawn(
            item_id="item-w", consultation_id=CID, phase_id=PHASE,
            phase_ends_at=ENDS.isoformat(), participant_id=voter, ballot_kind="agree",
            previous={"choice": "agree", "qualifications": [],
                      "identity_level": "anonymous"})
        ranked = [RankingCast(item_id=f"ranking-{PHASE}", consultation_id=CID,
                              phase_id=PHASE, phase_ends_at=ENDS.isoformat(),
                              participant_id=voter, items=items,
                              identity_level="anonymous", previous=None)
                  for items in (["a", "b"], ["b", "a", "c"])]
        meta = Meta(Actor(voter, "participant"))
        await log.append([
            cast(1, "item-1", "agree"), cast(1, "item-1", "disagree", version=2),
            cast(2, "item-w", "agree"),
            wrap(withdrawn, stream=f"ballot-{PHASE}-item-w-voter-2", stream_version=2,
                 meta=meta, occurred_at=AT, consultation_id=CID),
            *(wrap(r, stream=f"ranking-{PHASE}-{voter}", stream_version=v, meta=meta,
                   occurred_at=AT, consultation_id=CID) for v, r in enumerate(ranked, 1)),
        ])
        counted = await recount.recount_phase(log, CID, PHASE)
    finally:
        await log.close()
    assert counted.tallies["item-1"]["agree"]["disagree"] == 1
    assert counted.tallies["item-1"]["agree"]["agree"] == 0
    # the withdrawn ballot's item is in the frozen result, at zero
    assert counted.tallies["item-w"]["agree"] == {
        "agree": 0, "disagree": 0, "neutral": 0, "by_level": {}}
    assert counted.ranking["ballots"] == 1
    assert counted.ranking["first"] == {"b": 1}
    assert counted.ranking["borda"] == {"b": 3, "a": 2, "c": 1}
