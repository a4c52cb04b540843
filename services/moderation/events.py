"""Events of the moderation service (schemas in schemas/events/moderation.*).
Every human decision names its moderator and a reason code of the charter.
A participant's flag reason and appeal are written redacted (v2, ADR 0044); v1's
are redacted as they are read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.core.events import DomainEvent
from services.core.personal_data import redacted_texts
from services.core.upcasting import upcaster


@dataclass(frozen=True, slots=True)
class ContributionChecked(DomainEvent):
    """Automatic checks of one version of a contribution (stream
    `modcheck-<contribution>-<deposit version>`, written once): suggestions only."""

    TYPE = "moderation.ContributionChecked"
    VERSION = 1

    contribution_id: str
    consultation_id: str
    deposit_version: int
    suggestions: list[dict[str, Any]]
    severity: int
    campaign_group_id: str
    campaign_members_moved: list[str]


@dataclass(frozen=True, slots=True)
class ItemClaimed(DomainEvent):
    TYPE = "moderation.ItemClaimed"
    VERSION = 1

    contribution_id: str
    consultation_id: str
    moderator_id: str
    until: str


@dataclass(frozen=True, slots=True)
class DecisionMade(DomainEvent):
    """approved | hidden | rejected; `campaign_group_id` set for a bulk decision;
    `deposit_version`: the version of the contribution's deposit stream (its text)
    decided on -- an approval does not cover a later edit (ADR 0135); 0 in events
    written before: whatever the text."""

    TYPE = "moderation.DecisionMade"
    VERSION = 1

    contribution_id: str
    consultation_id: str
    moderator_id: str
    decision: str
    reason_code: str
    campaign_group_id: str
    deposit_version: int = 0


@dataclass(frozen=True, slots=True)
class PersonalDataMasked(DomainEvent):
    """The public version of the text, with personal data masked; `deposit_version`:
    the version of the text masked -- a later edit replaces it (ADR 0135); 0 in
    events written before: every later edit too stays behind the mask."""

    TYPE = "moderation.PersonalDataMasked"
    VERSION = 1

    contribution_id: str
    consultation_id: str
    moderator_id: str
    title: str
    body: str
    deposit_version: int = 0


@dataclass(frozen=True, slots=True)
class ContributionFlagged(DomainEvent):
    """A participant reported a contribution (stream `modflag-<contribution>-<participant>`)."""

    TYPE = "moderation.ContributionFlagged"
    VERSION = 2

    contribution_id: str
    consultation_id: str
    flagger_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class AppealLodged(DomainEvent):
    """The author contests a decision, once (stream `modappeal-<contribution>`, version 1)."""

    TYPE = "moderation.AppealLodged"
    VERSION = 2

    contribution_id: str
    consultation_id: str
    author_id: str
    text: str


@dataclass(frozen=True, slots=True)
class AppealDecided(DomainEvent):
    """upheld (the decision stands) | overturned (published); by a second moderator;
    `deposit_version` as in DecisionMade."""

    TYPE = "moderation.AppealDecided"
    VERSION = 1

    contribution_id: str
    consultation_id: str
    moderator_id: str
    outcome: str
    reason_code: str
    deposit_version: int = 0


@dataclass(frozen=True, slots=True)
class CharterSet(DomainEvent):
    """The reason codes moderators of a consultation may use: [{code, label}]."""

    TYPE = "moderation.CharterSet"
    VERSION = 1

    consultation_id: str
    reasons: list[dict[str, str]]


@upcaster("moderation.ContributionFlagged", 1)
def _flag_redacted(data: dict[str, Any]) -> dict[str, Any]:
    return redacted_texts(data, "reason")


@upcaster("moderation.AppealLodged", 1)
def _appeal_redacted(data: dict[str, Any]) -> dict[str, Any]:
    return redacted_texts(data, "text")
