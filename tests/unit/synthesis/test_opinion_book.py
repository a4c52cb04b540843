"""The opinions a consultation's own agree/disagree ballots give: the latest
ballot per person and item, none once withdrawn, again once re-cast; support
ballots and other consultations are not opinions."""

from __future__ import annotations

from datetime import UTC, datetime

from services.core.envelope import Actor
from services.core.events import Meta, wrap
from services.synthesis.opinions import OpinionBook
from services.vote.events import BallotCast, BallotWithdrawn

META = Meta(actor=Actor(id="p-1", role="participant"))
AT = datetime(2026, 12, 4, tzinfo=UTC)


def _cast(item: str, who: str, choice: str, kind: str = "agree", cid: str = "c-1") -> object:
    return wrap(BallotCast(item_id=item, consultation_id=cid, phase_id="v", phase_ends_at="",
                           participant_id=who, ballot_kind=kind, choice=choice,
                           qualifications=[], identity_level="email", previous=None),
                stream=f"ballot-{item}-{who}", stream_version=1, meta=META, occurred_at=AT,
                consultation_id=cid)


def _withdraw(item: str, who: str) -> object:
    return wrap(BallotWithdrawn(item_id=item, consultation_id="c-1", phase_id="v",
                                phase_ends_at="", participant_id=who, ballot_kind="agree",
                                previous={}),
                stream=f"ballot-{item}-{who}", stream_version=2, meta=META, occurred_at=AT,
                consultation_id="c-1")


def test_ballots_become_opinions() -> None:
    book = OpinionBook("c-1")
    for event in (_cast("i1", "a", "agree"), _cast("i1", "a", "disagree"),
                  _cast("i2", "a", "neutral"), _cast("i1", "b", "agree"),
                  _withdraw("i1", "b"), _cast("i3", "a", "support", kind="support"),
                  _cast("i1", "c", "agree", cid="c-2"), _withdraw("i2", "a"),
                  _cast("i2", "a", "agree")):
        book.apply(event)  # type: ignore[arg-type]
    assert book.latest() == {("a", "i1"): -1, ("a", "i2"): 1}
    assert sorted(book.statements) == ["i1", "i2"]
