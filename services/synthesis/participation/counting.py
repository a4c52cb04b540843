"""What one event means for the participation figures, as pure functions: the
state a contribution is in, what a ballot event did, the day it happened."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from services.core.envelope import Envelope
from services.core.values import parse_iso
from services.moderation import publication

# The kinds of contribution, in the order the page lists them (publication's names).
KINDS = ("proposal", "argument", "comment", "answer")
# Where a submitted contribution stands; together they make up what was received.
STATES = ("published", "pending", "refused", "withdrawn")
BALLOT_KINDS = {"vote.BallotCast": "", "vote.BallotWithdrawn": "",
                "vote.RankingCast": "ranking", "vote.BudgetBallotCast": "budget"}
# A French organiser's day: "yesterday" ends at midnight in Paris, not in London.
PARIS = ZoneInfo("Europe/Paris")


def state_of(contribution: dict[str, Any]) -> str | None:
    """published | pending (waits for a moderator before it shows) | refused
    (hidden or rejected) | withdrawn; None for a contribution not submitted yet
    (a decision read before its submission, from the other topic)."""
    if contribution["kind"] is None:
        return None
    if contribution["withdrawn"]:
        return "withdrawn"
    if publication.published(contribution):
        return "published"
    if contribution["decision"] in ("hidden", "rejected"):
        return "refused"
    return "pending"


def ballot_kind(event: Envelope) -> str:
    """support | agree | ranking | budget."""
    return BALLOT_KINDS[event.type] or str(event.data["ballot_kind"])


def ballot_change(event: Envelope) -> str | None:
    """What a ballot event did to its voter's ballot, read from the event alone
    (each carries the ballot it replaces): cast (a first one, or one after a
    withdrawal) | changed | withdrawn; None for a ballot recorded at or after its
    phase's end, which the results ignore too (frozen results)."""
    d = event.data
    if event.occurred_at >= _instant(d["phase_ends_at"]):
        return None
    previous, field = d["previous"], {"vote.RankingCast": "items",
                                      "vote.BudgetBallotCast": "projects"}.get(event.type)
    # a ranking or a budget ballot withdrawn is one with nothing chosen
    had = previous is not None and (field is None or bool(previous[field]))
    has = event.type != "vote.BallotWithdrawn" and (field is None or bool(d[field]))
    if has:
        return "changed" if had else "cast"
    return "withdrawn" if had else None


def day_of(moment: datetime) -> str:
    """The Europe/Paris day of an instant, as YYYY-MM-DD."""
    return moment.astimezone(PARIS).date().isoformat()


@lru_cache(maxsize=256)  # a few phases' ends, each repeated by every ballot
def _instant(value: str) -> datetime:
    return parse_iso(value)
