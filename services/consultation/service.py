"""What the consultation service contributes to the composition root
(`services/runtime/bootstrap.py`): its projections and its command handlers.

Handlers ask for their ports by keyword: `log`, `clock`, `meta` for all; `store`
(ReadStore) for meeting registrations; `blobs` (BlobStore, e.g.
`FilesystemBlobStore(<data dir>/blobs)`) and optionally `max_bytes` for uploads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.consultation import commands as c
from services.consultation import content_commands as k
from services.consultation import content_handlers as ch
from services.consultation import handlers as h
from services.consultation import meeting_handlers as mh
from services.consultation.projections import CatalogueProjection
from services.consultation.projections_content import ContentProjection
from services.consultation.projections_meetings import CommissionProjection, MeetingProjection
from services.store.projection import Projection

Handler = Callable[..., Awaitable[Any]]

PROJECTIONS: tuple[Callable[[], Projection], ...] = (
    CatalogueProjection, ContentProjection, MeetingProjection, CommissionProjection,
)

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
    k.CreateCommission: mh.create_commission,
    k.AddCommissionMember: mh.add_commission_member,
    k.RemoveCommissionMember: mh.remove_commission_member,
    k.PublishCommissionReport: mh.publish_commission_report,
}
