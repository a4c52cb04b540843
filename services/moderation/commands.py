"""Commands of the moderation service. Moderators act through a
`ModeratorContext`, participants through a `ParticipantContext` (the kernel's,
built by the entry points).

A moderator's command on a contribution names the consultation the caller's role
was checked on (`consultation_id`, second field); its handler refuses a
contribution of another one (ADR 0133, amendment of 2026-12-08). A participant's
flag or appeal acts for themselves and names none: the contribution's
consultation is read off its stream."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.participants import ModeratorContext, ParticipantContext


@dataclass(frozen=True, slots=True)
class ClaimItem:
    contribution_id: str
    consultation_id: str
    moderator: ModeratorContext


@dataclass(frozen=True, slots=True)
class Decide:
    contribution_id: str
    consultation_id: str
    moderator: ModeratorContext
    decision: str  # approved | hidden | rejected
    reason_code: str = "conforme"
    # the version of the text the moderator read (the item's `deposit_version`):
    # refused when its author edited it since; 0: the text now (ADR 0135)
    deposit_version: int = 0


@dataclass(frozen=True, slots=True)
class MaskPersonalData:
    """Publish the masked version; empty fields take the automatic suggestion."""

    contribution_id: str
    consultation_id: str
    moderator: ModeratorContext
    title: str = ""
    body: str = ""


@dataclass(frozen=True, slots=True)
class DecideCampaign:
    consultation_id: str
    group_id: str
    moderator: ModeratorContext
    decision: str
    reason_code: str = "campagne"


@dataclass(frozen=True, slots=True)
class FlagContribution:
    contribution_id: str
    participant: ParticipantContext
    reason: str = ""


@dataclass(frozen=True, slots=True)
class LodgeAppeal:
    contribution_id: str
    participant: ParticipantContext
    text: str


@dataclass(frozen=True, slots=True)
class DecideAppeal:
    contribution_id: str
    consultation_id: str
    moderator: ModeratorContext
    outcome: str  # upheld | overturned
    reason_code: str = "conforme"


@dataclass(frozen=True, slots=True)
class SetCharter:
    consultation_id: str
    reasons: tuple[tuple[str, str], ...]  # (code, French label)
