"""What the consultation service contributes to the composition root
(`services/runtime/bootstrap.py`): its projections, its process manager (an
erased account's meeting seats given up, ADR 0139) and its command handlers.

Handlers ask for their ports by keyword: `log`, `clock`, `meta` for all; `store`
(ReadStore) for meeting registrations; `blobs` (BlobStore, e.g.
`FilesystemBlobStore(<data dir>/blobs)`) and optionally `max_bytes` for uploads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.consultation import commands as c
from services.consultation import commission_handlers as kh
from services.consultation import content
from services.consultation import content_commands as k
from services.consultation import content_handlers as ch
from services.consultation import handlers as h
from services.consultation import meeting_handlers as mh
from services.consultation.commissions import commission_stream
from services.consultation.meeting_erasure import ErasedLeaveMeetings
from services.consultation.meetings import meeting_stream
from services.consultation.model import slug_stream, stream_of
from services.consultation.projections import CatalogueProjection
from services.consultation.projections_content import ContentProjection
from services.consultation.projections_meetings import CommissionProjection, MeetingProjection
from services.core.process import ProcessManager
from services.store.projection import Projection

Handler = Callable[..., Awaitable[Any]]

PROJECTIONS: tuple[Callable[[], Projection], ...] = (
    CatalogueProjection, ContentProjection, MeetingProjection, CommissionProjection,
)

PROCESSES: tuple[Callable[..., ProcessManager], ...] = (ErasedLeaveMeetings,)

HANDLERS: dict[type, Handler] = {
    c.CreateConsultation: h.create_consultation,
    c.UpdateConsultation: h.update_consultation,
    c.SchedulePhases: h.schedule_phases,
    c.PublishConsultation: h.publish_consultation,
    c.UnpublishConsultation: h.unpublish_consultation,
    k.SaveQuestionnaire: ch.save_questionnaire,
    k.RemoveQuestionnaire: ch.remove_questionnaire,
    k.WriteArticle: ch.write_article,
    k.PublishArticle: ch.publish_article,
    k.UnpublishArticle: ch.unpublish_article,
    k.AttachDocument: ch.attach_document,
    k.RemoveDocument: ch.remove_document,
    k.AttachVideo: ch.attach_video,
    k.RemoveVideo: ch.remove_video,
    k.ScheduleMeeting: mh.schedule_meeting,
    k.UpdateMeeting: mh.schedule_meeting,
    k.CancelMeeting: mh.cancel_meeting,
    k.RegisterForMeeting: mh.register_for_meeting,
    k.CancelRegistration: mh.cancel_registration,
    k.PublishMinutes: mh.publish_minutes,
    k.CreateCommission: kh.create_commission,
    k.EditCommission: kh.edit_commission,
    k.RemoveCommission: kh.remove_commission,
    k.AddCommissionMember: kh.add_commission_member,
    k.RemoveCommissionMember: kh.remove_commission_member,
    k.PublishCommissionReport: kh.publish_commission_report,
}


def _by_slug(command: c.CreateConsultation) -> str:
    return slug_stream(command.slug)


def _by_consultation(command: Any) -> str:
    return stream_of(command.consultation_id)


def _by_content(kind: str, field: str) -> Callable[[Any], str]:
    return lambda command: content.stream(kind, getattr(command, field))


def _by_meeting(command: Any) -> str:
    return meeting_stream(command.meeting_id)


def _by_commission(command: Any) -> str:
    return commission_stream(command.commission_id)


# Sent to the consultation replicas in the distributed topology (ADR 0078, 0081),
# keyed as consultation.events (by stream): each command by the stream it decides
# on. A document's bytes are put in the blob store (shared storage) by the front
# that received them; `AttachDocument` names them by their SHA-256.
ROUTED: dict[type, Callable[[Any], str]] = {
    c.CreateConsultation: _by_slug,
    **{kind: _by_consultation for kind in (
        c.UpdateConsultation, c.SchedulePhases, c.PublishConsultation,
        c.UnpublishConsultation)},
    k.SaveQuestionnaire: _by_content("questionnaire", "questionnaire_id"),
    k.RemoveQuestionnaire: _by_content("questionnaire", "questionnaire_id"),
    k.WriteArticle: _by_content("article", "article_id"),
    k.PublishArticle: _by_content("article", "article_id"),
    k.UnpublishArticle: _by_content("article", "article_id"),
    k.AttachDocument: _by_content("document", "document_id"),
    k.RemoveDocument: _by_content("document", "document_id"),
    k.AttachVideo: _by_content("video", "video_id"),
    k.RemoveVideo: _by_content("video", "video_id"),
    **{kind: _by_meeting for kind in (
        k.ScheduleMeeting, k.UpdateMeeting, k.CancelMeeting, k.RegisterForMeeting,
        k.CancelRegistration, k.PublishMinutes)},
    **{kind: _by_commission for kind in (
        k.CreateCommission, k.EditCommission, k.RemoveCommission, k.AddCommissionMember,
        k.RemoveCommissionMember, k.PublishCommissionReport)},
}
# Keyed otherwise than some of the events it writes: a creation reserves its slug
# (the contested decision, on the slug's stream) and writes the new consultation's
# stream, which nobody else writes before the creation is answered.
NOT_CO_PARTITIONED: frozenset[type] = frozenset({c.CreateConsultation})

# Content, meetings and commissions check the consultation (or the commission)
# exists, and a consultation's stream is first written by the replica owning its
# slug: those topics are read to their end first. A registration reads its
# consultation's stream too (published, its phase open: ADR 0139); a cancellation
# of one's registration reads only its meeting's stream.
ROUTED_READS: dict[type, tuple[str, ...]] = {
    kind: ("consultation.events",) for kind in ROUTED if kind is not k.CancelRegistration}
