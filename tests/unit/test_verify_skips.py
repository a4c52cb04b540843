"""`parlons verify` compares each projection's guards with the log's versions of the
streams it applies: the events it passes over (`Projection.skips`, ADR 0087) are never
guarded, and a clean read model stays clean in its report; the versions a projection
keeps in its own documents (ADR 0131) are compared the same way."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from harness.web import make_container

from services.core.envelope import Envelope
from services.core.ids import new_id
from services.core.upcasting import upcast
from services.runtime.jobs.verify import differences
from services.runtime.runner import running
from services.synthesis.conversations.opinions_model import (
    OPINIONS,
    OpinionsProjection,
    opinions_changed,
)
from services.synthesis.polis.importer import conversation_stream, opinion_stream, statement_stream

GOLDEN = Path(__file__).resolve().parents[2] / "schemas" / "golden"


def golden(name: str, stream: str, version: int = 1, **data: object) -> Envelope:
    event = upcast(Envelope.from_json((GOLDEN / name).read_bytes()))
    return dataclasses.replace(event, stream=stream, stream_version=version,
                               event_id=new_id(), data={**event.data, **data})


async def test_verify_finds_no_difference_where_events_were_passed_over() -> None:
    container = make_container()
    cid = "c-verify"
    submission = golden("deposit.ProposalSubmitted.v2.json", f"contribution-{cid}",
                        contribution_id=cid)
    key = golden("deposit.SubmissionKeyed.v1.json", "submission-k1", contribution_id=cid)
    disagree = golden("vote.BallotCast.v1.json", f"ballot-{cid}-p9", item_id=cid,
                      choice="disagree", previous=None)
    async with running(container):
        await container.log.append([submission, key])
        await container.log.append([disagree])
        for _ in range(400):
            workers = list(container.built_workers)
            if workers and all(w.subscribed for w in workers) and not any(
                    [await w.lag() for w in workers]):
                break
            await asyncio.sleep(0.01)
        assert await container.store.applied_version("moderation.queue", "submission-k1") == 0
        assert await container.store.applied_version(
            "search.indexer", f"ballot-{cid}-p9") == 0
        assert await container.store.applied_version("vote.tallies", f"ballot-{cid}-p9") == 1
        assert await differences(container) == []


async def test_a_guard_left_from_before_a_type_was_passed_over_is_no_loss() -> None:
    """A data folder written by code that still guarded an imported conversation's
    opinions in `synthesis.runs` (before ADR 0049): its guards are not above the
    log's versions, so no loss; a guard above them still is one."""
    container = make_container()
    opinion = golden("synthesis.OpinionRecorded.v1.json", "opinion-st-1-pp-1", version=1)

    async def about_runs() -> list[str]:  # (no worker ran: the others are behind)
        return [d for d in await differences(container) if d.startswith("synthesis.runs")]

    async with running(container, workers=False):
        await container.log.append([opinion])
        async with container.store.transaction() as tx:
            await tx.set_applied_versions("synthesis.runs", {"opinion-st-1-pp-1": 1})
        assert await about_runs() == []
        async with container.store.transaction() as tx:
            await tx.set_applied_versions("synthesis.runs", {"opinion-st-1-pp-1": 2})
        found = await about_runs()
        assert len(found) == 1 and found[0].startswith("synthesis.runs : 1 flux en avance")


async def test_an_imported_conversation_is_verified_by_the_opinion_models_documents() -> None:
    """The opinions' model guards an import's events by its own documents (ADR 0131):
    verify reads their versions there, finds none missing once applied, and finds
    a document claiming a version the log lacks, or one gone."""
    container = make_container()
    cid, sid = "c-import", "st-1"
    events = [
        golden("synthesis.ConversationImported.v1.json", conversation_stream(cid),
               consultation_id=cid, statements=1, votes=2),
        golden("synthesis.StatementImported.v1.json", statement_stream(sid),
               consultation_id=cid, statement_id=sid, is_meta=False),
        *(golden("synthesis.OpinionRecorded.v1.json", opinion_stream(sid, "pp-1"), version,
                 consultation_id=cid, statement_id=sid, participant_id="pp-1")
          for version in (1, 2)),  # a re-vote
    ]
    opinions = OpinionsProjection()

    async def about_opinions() -> list[str]:
        return [d for d in await differences(container) if d.startswith(opinions.name)]

    async with running(container):
        await container.log.append(events)
        for _ in range(400):
            if await opinions_changed(container.store, cid) == 4:
                break
            await asyncio.sleep(0.01)
        assert await opinions_changed(container.store, cid) == 4
        assert await container.store.applied_version(opinions.name, events[2].stream) == 0
        assert await about_opinions() == []
    async with running(container, workers=False):
        key = f"{sid} pp-1"
        async with container.store.transaction() as tx:
            await tx.put(OPINIONS, cid, key, {"o": 1, "at": 0, "v": 3})
        found = await about_opinions()
        assert len(found) == 1 and found[0].startswith(f"{opinions.name} : 1 flux en avance")
        async with container.store.transaction() as tx:
            await tx.delete(OPINIONS, cid, key)
        found = await about_opinions()
        assert len(found) == 1 and found[0].startswith(f"{opinions.name} : 1 flux en retard")
