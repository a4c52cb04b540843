"""Events about what a consultation contains. Every one carries `consultation_id`
so projections can file it without a lookup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class QuestionnaireSaved(DomainEvent):
    TYPE = "consultation.QuestionnaireSaved"
    VERSION = 1

    questionnaire_id: str
    consultation_id: str
    title: str
    description: str
    theme_id: str | None
    position: int
    questions: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class QuestionnaireRemoved(DomainEvent):
    TYPE = "consultation.QuestionnaireRemoved"
    VERSION = 1

    questionnaire_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class ArticleWritten(DomainEvent):
    TYPE = "consultation.ArticleWritten"
    VERSION = 1

    article_id: str
    consultation_id: str
    kind: str
    title: str
    summary: str
    body_markdown: str


@dataclass(frozen=True, slots=True)
class ArticlePublished(DomainEvent):
    TYPE = "consultation.ArticlePublished"
    VERSION = 1

    article_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class ArticleUnpublished(DomainEvent):
    TYPE = "consultation.ArticleUnpublished"
    VERSION = 1

    article_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class DocumentAttached(DomainEvent):
    TYPE = "consultation.DocumentAttached"
    VERSION = 1

    document_id: str
    consultation_id: str
    title: str
    filename: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class DocumentRemoved(DomainEvent):
    TYPE = "consultation.DocumentRemoved"
    VERSION = 1

    document_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class VideoAttached(DomainEvent):
    TYPE = "consultation.VideoAttached"
    VERSION = 1

    video_id: str
    consultation_id: str
    title: str
    provider: str
    provider_video_id: str
    url: str


@dataclass(frozen=True, slots=True)
class VideoRemoved(DomainEvent):
    TYPE = "consultation.VideoRemoved"
    VERSION = 1

    video_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class MeetingScheduled(DomainEvent):
    """Also the shape of `MeetingUpdated`. Commune and département come from the
    postcode at scheduling time; coordinates are optional."""

    TYPE = "consultation.MeetingScheduled"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    title: str
    description: str
    starts_at: str
    ends_at: str
    address: str
    postcode: str
    commune: str
    departement: str
    latitude: float | None
    longitude: float | None
    capacity: int | None
    online_url: str
    commission_id: str | None


@dataclass(frozen=True, slots=True)
class MeetingUpdated(MeetingScheduled):
    TYPE = "consultation.MeetingUpdated"
    VERSION = 1


@dataclass(frozen=True, slots=True)
class MeetingCancelled(DomainEvent):
    TYPE = "consultation.MeetingCancelled"
    VERSION = 1

    meeting_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class MeetingRegistrationAdded(DomainEvent):
    """A seat taken, on the meeting's own stream (ADR 0065; before it, on
    `meeting-<id>-registration-<participant>`)."""

    TYPE = "consultation.MeetingRegistrationAdded"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class MeetingRegistrationCancelled(DomainEvent):
    TYPE = "consultation.MeetingRegistrationCancelled"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class MeetingWaitlistJoined(DomainEvent):
    """The meeting was full: the participant waits, in the order of arrival."""

    TYPE = "consultation.MeetingWaitlistJoined"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class MeetingWaitlistLeft(DomainEvent):
    TYPE = "consultation.MeetingWaitlistLeft"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class MeetingWaitlistPromoted(DomainEvent):
    """A seat freed by a cancellation goes to the first one waiting, in the
    same append as the cancellation."""

    TYPE = "consultation.MeetingWaitlistPromoted"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class MeetingPromotionNotified(DomainEvent):
    """The promoted participant was written to, once: first event of
    `meeting-<id>-promotion-<version of the promotion>`."""

    TYPE = "consultation.MeetingPromotionNotified"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    participant_id: str
    promotion_version: int


@dataclass(frozen=True, slots=True)
class MeetingReminderSent(DomainEvent):
    """The day-before reminder, claimed once per meeting: first event of
    `meeting-<id>-reminder`. `recipients`: how many were written to."""

    TYPE = "consultation.MeetingReminderSent"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    recipients: int


@dataclass(frozen=True, slots=True)
class MeetingCancellationNotified(DomainEvent):
    """The registrants and the people waiting were told the meeting is cancelled,
    once per meeting: first event of `meeting-<id>-cancellation`. `recipients`:
    how many were to be written to (0 for a meeting over before it was told)."""

    TYPE = "consultation.MeetingCancellationNotified"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    recipients: int


@dataclass(frozen=True, slots=True)
class MinutesPublished(DomainEvent):
    TYPE = "consultation.MinutesPublished"
    VERSION = 1

    meeting_id: str
    consultation_id: str
    summary: str
    attendance: int
    contribution_ids: list[str]


@dataclass(frozen=True, slots=True)
class CommissionCreated(DomainEvent):
    TYPE = "consultation.CommissionCreated"
    VERSION = 1

    commission_id: str
    consultation_id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class CommissionEdited(DomainEvent):
    """Its name and description as they are now (members and reports unchanged)."""

    TYPE = "consultation.CommissionEdited"
    VERSION = 1

    commission_id: str
    consultation_id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class CommissionRemoved(DomainEvent):
    """The commission, its members and its reports are gone from every page; the
    meetings that named it stay, unlinked (ADR 0140). Its stream takes nothing more."""

    TYPE = "consultation.CommissionRemoved"
    VERSION = 1

    commission_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class CommissionMemberAdded(DomainEvent):
    TYPE = "consultation.CommissionMemberAdded"
    VERSION = 1

    commission_id: str
    consultation_id: str
    member_id: str
    display_name: str
    role: str


@dataclass(frozen=True, slots=True)
class CommissionMemberRemoved(DomainEvent):
    TYPE = "consultation.CommissionMemberRemoved"
    VERSION = 1

    commission_id: str
    consultation_id: str
    member_id: str


@dataclass(frozen=True, slots=True)
class CommissionReportPublished(DomainEvent):
    TYPE = "consultation.CommissionReportPublished"
    VERSION = 1

    commission_id: str
    consultation_id: str
    report_id: str
    title: str
    body_markdown: str
