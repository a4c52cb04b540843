"""Commands on what a consultation contains: questionnaires, articles and news,
documents, videos, meetings and their minutes, commissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# -- questionnaires -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionSpec:
    option_id: str
    label: str


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    """Show a question only when `question_id` got one of `option_ids`
    (an empty tuple: whenever `question_id` got any answer)."""

    question_id: str
    option_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    question_id: str
    kind: str  # single | multiple | open
    text: str
    required: bool = False
    options: tuple[OptionSpec, ...] = ()
    allow_other: bool = False  # closed questions: an "Autre" option with free text
    max_length: int = 2000  # open answers and "Autre" text
    condition: ConditionSpec | None = None
    help_text: str = ""
    source_id: str | None = None  # id in an imported questionnaire (Grand Débat)


@dataclass(frozen=True, slots=True)
class SaveQuestionnaire:
    """Creates or replaces a questionnaire as a whole (questions in display order)."""

    questionnaire_id: str
    consultation_id: str
    title: str
    questions: tuple[QuestionSpec, ...]
    description: str = ""
    theme_id: str | None = None
    position: int = 0
    # An import: write only if this questionnaire has never existed, so that a
    # repeated import is a no-op (ADR 0063).
    if_absent: bool = False
    # The sender saw answers to it (the deposit service's data, which this service
    # cannot read): refuse what would change their meaning (ADR 0137).
    answered: bool = False


@dataclass(frozen=True, slots=True)
class RemoveQuestionnaire:
    """Refused for a questionnaire of another consultation than `consultation_id`
    (as every command below naming an existing item: the caller's right is checked
    on that consultation, not on the item's)."""

    questionnaire_id: str
    consultation_id: str
    # it has answers (the deposit service's data, told by the caller as for
    # SaveQuestionnaire.answered): its removal is refused, they depend on it
    answered: bool = False


# -- articles, documents, videos ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WriteArticle:
    """Creates or edits an article (kind "article") or a news item (kind "news").
    The body is Markdown; it is rendered through an allowlist sanitiser."""

    article_id: str
    consultation_id: str
    title: str
    body_markdown: str
    kind: str = "article"
    summary: str = ""


@dataclass(frozen=True, slots=True)
class PublishArticle:
    """Refused for an article of another consultation than `consultation_id`: the
    caller's right is checked on that consultation, not on the article's."""

    article_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class UnpublishArticle:
    article_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class AttachDocument:
    """An upload, its bytes already in the BlobStore (content-addressed, put there
    by the front that received them: `uploads.store_upload`), named by their
    SHA-256: the command travels without them (ADR 0081). The event carries their
    metadata. The type is decided by magic bytes, not the name."""

    document_id: str
    consultation_id: str
    title: str
    filename: str
    sha256: str


@dataclass(frozen=True, slots=True)
class RemoveDocument:
    document_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class AttachVideo:
    """A video hosted elsewhere (PeerTube, YouTube, Dailymotion, Vimeo), by URL."""

    video_id: str
    consultation_id: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class RemoveVideo:
    video_id: str
    consultation_id: str


# -- meetings and minutes -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduleMeeting:
    """Creates a meeting, or with `UpdateMeeting` replaces its details. A meeting
    is in person (address + postcode, optional coordinates), online, or both."""

    meeting_id: str
    consultation_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    address: str = ""
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    capacity: int | None = None
    online_url: str = ""
    commission_id: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateMeeting(ScheduleMeeting):
    pass


@dataclass(frozen=True, slots=True)
class CancelMeeting:
    meeting_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class RegisterForMeeting:
    """`participant_id` is an opaque pseudonymous id: no personal data."""

    meeting_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class CancelRegistration:
    meeting_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class PublishMinutes:
    """The minutes of a meeting that has ended (replaces earlier minutes)."""

    meeting_id: str
    consultation_id: str
    summary: str
    attendance: int
    contribution_ids: tuple[str, ...] = ()


# -- commissions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateCommission:
    commission_id: str
    consultation_id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class EditCommission:
    """Renames a commission and replaces its description (its members and reports
    are kept). Refused for a commission of another consultation than
    `consultation_id`: the caller's right is checked on that consultation."""

    commission_id: str
    consultation_id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class RemoveCommission:
    """Removes a commission with its members and reports; its meetings stay,
    no longer linked to it (ADR 0140). Refused for another consultation's."""

    commission_id: str
    consultation_id: str


@dataclass(frozen=True, slots=True)
class AddCommissionMember:
    """Members are public figures of the commission (display name and role),
    not participants' private data."""

    commission_id: str
    consultation_id: str
    member_id: str
    display_name: str
    role: str


@dataclass(frozen=True, slots=True)
class RemoveCommissionMember:
    commission_id: str
    consultation_id: str
    member_id: str


@dataclass(frozen=True, slots=True)
class PublishCommissionReport:
    """Publishes a report; publishing an existing `report_id` again edits it."""

    commission_id: str
    consultation_id: str
    report_id: str
    title: str
    body_markdown: str
