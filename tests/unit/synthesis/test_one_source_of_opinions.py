"""A consultation's opinions come from one source (ADR 0138): its imported Pol.is
conversation once one is, its own agree/disagree ballots otherwise. With both, cast
before the import or after it, the groups are the conversation's alone, whether
read from the log (`OpinionBook.from_log`: the CLI, a publication on a lagging
model) or from the opinions' model (the groups page, a publication), and so are the
statements, the publication and the Pol.is export; the ballots left out are
counted. Before, the Brexit conversation's 50 statements and a consultation's 6
voted proposals were grouped together, « 56 propositions »."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness.web import catch_up

from services.consultation.commands import CreateConsultation
from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.events import Meta, wrap
from services.deposit.events import ProposalSubmitted
from services.eventlog.memory import MemoryEventLog
from services.runtime.amnesia import forget_marks
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore
from services.synthesis.conversations import handlers
from services.synthesis.conversations.handlers import PublishOpinionGroups
from services.synthesis.conversations.opinions_model import book_of, statements_of
from services.synthesis.conversations.snapshot import snapshot
from services.synthesis.groups.analysis import analyse_opinions
from services.synthesis.opinions import OpinionBook
from services.synthesis.polis.importer import conversation_events
from services.synthesis.polis.reader import read_conversation
from services.synthesis.polis.writer import write_polis
from services.vote.events import BallotCast, BallotWithdrawn

POLIS = Path(__file__).resolve().parents[2] / "data" / "polis" / "brexit-consensus"
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ORGANISER = Meta(Actor("p-organiser", "organiser"))
CID = "c-1"
ENDS = "2026-12-20T00:00:00Z"
ITEMS, VOTERS = 6, 8
OWN = ITEMS * VOTERS - 1  # one ballot withdrawn
ORDERS = ("import, then ballots", "ballots, then import")


def proposals() -> list[Envelope]:
    """The 6 proposals voted on, published (post-moderated): their texts would be
    grouped and published as the conversation's statements are."""
    return [wrap(ProposalSubmitted(
        contribution_id=f"item-{item}", consultation_id=CID, author_id=f"p-author{item}",
        title=f"Proposition {item}", body="Une proposition assez longue pour passer.",
        theme_id="", territory="", moderation="post", phase_id="vote"),
        stream=f"contribution-item-{item}", stream_version=1, meta=ORGANISER, occurred_at=T0,
        consultation_id=CID) for item in range(ITEMS)]


def ballots() -> list[Envelope]:
    """The consultation's own agree/disagree ballots on its 6 proposals, two camps;
    one taken back."""
    events = []
    for n in range(VOTERS):
        for item in range(ITEMS):
            choice = "agree" if (item < 3) == (n % 2 == 0) else "disagree"
            events.append(wrap(BallotCast(
                item_id=f"item-{item}", consultation_id=CID, phase_id="vote",
                phase_ends_at=ENDS, participant_id=f"p-voter{n}", ballot_kind="agree",
                choice=choice, qualifications=[], identity_level="email", previous=None),
                stream=f"ballot-item-{item}-p-voter{n}", stream_version=1, meta=ORGANISER,
                occurred_at=T0 + timedelta(seconds=n), consultation_id=CID))
    events.append(wrap(BallotWithdrawn(
        item_id="item-0", consultation_id=CID, phase_id="vote", phase_ends_at=ENDS,
        participant_id="p-voter0", ballot_kind="agree",
        previous={"choice": "agree", "qualifications": [], "identity_level": "email"}),
        stream="ballot-item-0-p-voter0", stream_version=2, meta=ORGANISER,
        occurred_at=T0 + timedelta(minutes=1), consultation_id=CID))
    return events


def the_import() -> list[Envelope]:
    return conversation_events(read_conversation(POLIS), consultation_id=CID, meta=ORGANISER)


@pytest.fixture(params=ORDERS)
async def both(request: pytest.FixtureRequest) -> AsyncIterator[Container]:
    """A consultation with an imported conversation and its own ballots, appended
    (and taken in by the opinions' model) in the order named."""
    settings = Settings(event_log="memory", read_store="memory", worker_poll_timeout=0.01)
    container = bootstrap(settings, log=MemoryEventLog(), store=MemoryReadStore(),
                          clock=FixedClock(T0),
                          services=["consultation", "moderation", "synthesis_themes"])
    async with running(container, workers=False):
        await container.handle(CreateConsultation(CID, "Brexit", "brexit"), ORGANISER)
        await container.log.append(proposals())
        first, then = ((the_import(), ballots()) if request.param == ORDERS[0]
                       else (ballots(), the_import()))
        for events in (first, then):
            await container.log.append(events)
            await catch_up(container)
        yield container


async def alone() -> OpinionBook:
    """The imported conversation's opinions, in a log that holds nothing else."""
    log = MemoryEventLog()
    await log.append(the_import())
    return await OpinionBook.from_log(log, CID)


async def test_the_log_and_the_model_give_the_imported_conversation_alone(
        both: Container) -> None:
    conversation = await alone()
    from_log = await OpinionBook.from_log(both.log, CID)
    from_model = await book_of(both.store, CID)
    for book in (from_log, from_model):
        assert len(book.statements) == 50  # not 56: the 6 voted proposals are left out
        assert book.statements == conversation.statements
        assert book.latest() == conversation.latest()
        assert book.holds_import() and book.own_opinions() == OWN
        assert book.left_out is not None
        assert sorted(book.left_out.statements) == [f"item-{n}" for n in range(ITEMS)]
    assert await statements_of(both.store, CID) == conversation.statements


async def test_a_publication_holds_the_conversations_groups_alone(
        both: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the model (it holds the log), then on the log (the model's marks gone)."""
    conversation = await alone()
    expected = snapshot(conversation, analyse_opinions(conversation))
    on_the_model = await both.handle(PublishOpinionGroups(CID), ORGANISER)
    assert on_the_model["statements"] == expected["statements"]
    assert on_the_model == expected
    monkeypatch.setattr(handlers, "MODEL_WAIT_S", 0.05)
    await forget_marks(both.store, "synthesis.opinions")
    assert await both.handle(PublishOpinionGroups(CID), ORGANISER) == expected


async def test_the_export_holds_the_conversation_alone(both: Container,
                                                       tmp_path: Path) -> None:
    """What `parlons polis export` writes: the imported conversation's files."""
    write_polis(await OpinionBook.from_log(both.log, CID), tmp_path / "both")
    write_polis(await alone(), tmp_path / "alone")
    for name in ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv"):
        assert (tmp_path / "both" / name).read_text() == \
            (tmp_path / "alone" / name).read_text(), name


def test_ballots_alone_are_the_opinions_and_counted() -> None:
    """Without an import the ballots are the consultation's opinions, numbered in
    the order of their first ballot; the count is theirs."""
    book = OpinionBook(CID)
    for event in ballots():
        book.apply(event)
    assert not book.holds_import() and book.left_out is None
    assert [book.statements[f"item-{n}"].number for n in range(ITEMS)] == list(range(ITEMS))
    assert len(book.latest()) == book.own_opinions() == OWN
