# ruff: noqa: E501  (the read-model tables in the docstring are wider than code lines)
"""Read models of the consultation service (what pages and APIs read).

Every table lives in the read store (`services/store/port.py`: table, partition,
key -> JSON doc; a partition lists its docs in key order, keyset-paginated with
`list(table, partition, limit=, after=, reverse=)`). Ids are UUIDv7, so listing a
partition keyed by id with `reverse=True` gives newest first. Datetimes are ISO
8601 UTC strings ("2026-11-28T09:00:00Z"), so they sort as text.

Time-dependent facts (which phase is open now) are NOT stored: compute them at
read time with `services.consultation.phases` (`phase_status`, `current_phase`,
`open_actions`, `consultation_status`, `with_status`) against the server clock.

Projection `consultation.catalogue` (this module):
| table | partition | key | doc |
|---|---|---|---|
| consultations | "all" | consultation_id | CONSULTATION (all, published or not: back office) |
| published_consultations | "all" | consultation_id | CONSULTATION, only while published (home page) |
| consultation_slugs | "all" | slug | {"id": consultation_id} |
| consultation_detail | "all" | consultation_id | CONSULTATION + DETAIL (consultation page) |

CONSULTATION = {id, title, slug, summary, organiser, identity_level ("anonymous" |
"email" | "verified"), moderation ("pre" | "post"), themes: [{theme_id, title}],
territories: [code], phases: [{phase_id, kind, title, description, starts_at,
ends_at, actions: [str]}] (chronological), opens_at, closes_at (first start, last
end, or None), published: bool, created_at, updated_at}.
DETAIL = {questionnaires: [{questionnaire_id, title, theme_id, position,
question_count}] (by position), commissions: [{commission_id, name}] (in
order of creation, removed ones left out),
counts: {articles, documents, videos, meetings}} (published articles; meetings
not cancelled). The consultation page = get(consultation_slugs) +
get(consultation_detail) + one `list` per content table below, limit N: a
constant number of queries whatever the number of items.

Projection `consultation.content` (`projections_content.py`):
| questionnaires | consultation_id | questionnaire_id | {questionnaire_id, consultation_id, title, description, theme_id, position, questions: [QUESTION]} |
| articles | consultation_id | article_id | ARTICLE (drafts too: back office) |
| published_articles | consultation_id | article_id | ARTICLE, only while published |
| documents | consultation_id | document_id | {document_id, consultation_id, title, filename, media_type, size, sha256, attached_at} |
| videos | consultation_id | video_id | {video_id, consultation_id, title, provider, provider_video_id, url, embed_url, provider_name} |
QUESTION = {question_id, kind ("single" | "multiple" | "open"), text, help_text,
required, options: [{option_id, label}], allow_other, max_length, condition:
{question_id, option_ids} | None, source_id}. See `questionnaire.py`.
ARTICLE = {article_id, consultation_id, kind ("article" | "news"), title, summary,
body_markdown, body_html (sanitised: safe to insert unescaped), published,
published_at, updated_at}.
Document bytes: `BlobStore.get(sha256)` (`blobstore.py`).

Projection `consultation.meetings` (`projections_meetings.py`):
| meetings | "all" | meeting_id | MEETING |
| meetings_by_consultation | consultation_id | "<starts_at>|<meeting_id>" | MEETING |
| meetings_by_departement | departement code ("69", "2A", "974") | "<starts_at>|<meeting_id>" | MEETING |
| meetings_by_commission | commission_id | "<starts_at>|<meeting_id>" | MEETING |
| meetings_by_date | "all" | "<starts_at>|<meeting_id>" | MEETING |
| minutes | consultation_id | meeting_id | MINUTES + {title, starts_at} (its meeting's, kept as it is renamed or moved) |
| meeting_registrations | participant id | meeting_id | {meeting_id, consultation_id, title, starts_at, at, cancelled} |
| meeting_promotions_pending | "all" | "<meeting_id>|<version>" | {meeting_id, consultation_id, participant_id, promotion_version} |
| meeting_cancellations_pending | "all" | meeting_id | {meeting_id, consultation_id}: a cancellation whose people are not yet told |
| commission_meeting_links | "all" | commission_id | {meeting_ids: [str], removed: bool}: the meetings naming a commission, unlinked when it is removed (ADR 0140) |
MEETING = {meeting_id, consultation_id, title, description, starts_at, ends_at,
address, postcode, commune, departement, latitude, longitude, capacity,
online_url, commission_id (None once its commission is removed), registrations:
int, waiting: int, cancelled: bool, minutes: MINUTES | None}. MINUTES = {meeting_id, consultation_id, summary, attendance,
contribution_ids: [str], published_at}. ICS: `ics.meeting_ics(MEETING)`.

Projection `consultation.commissions` (`projections_meetings.py`):
| commissions | consultation_id | commission_id | {commission_id, consultation_id, name, description, members: [{member_id, display_name, role}], reports: [{report_id, title, body_markdown, body_html, published_at, updated_at?}] (newest first; republishing a report_id edits it in place)}; renamed in place, gone once removed (ADR 0140) |
"""

from __future__ import annotations

from typing import Any

from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import Doc, StoreTx
from services.store.projection import Projection

CATALOGUE = "consultations"
BY_SLUG = "consultation_slugs"
PUBLISHED = "published_consultations"
DETAIL = "consultation_detail"
ALL = "all"

_CONSULTATION_EVENTS = {
    "consultation.ConsultationCreated", "consultation.ConsultationUpdated",
    "consultation.PhasesScheduled", "consultation.ConsultationPublished",
    "consultation.ConsultationUnpublished",
}
_EDITABLE = ("title", "summary", "organiser", "identity_level", "moderation", "themes",
             "territories")


class CatalogueProjection(Projection):
    """One document per consultation (+ its published copy, its slug, its detail)."""

    name = "consultation.catalogue"
    topics = ("consultation.events",)
    tables = (CATALOGUE, BY_SLUG, PUBLISHED, DETAIL)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d, at = event.data, iso(event.occurred_at)
        if event.type in _CONSULTATION_EVENTS:
            await self._consultation(event.type, d, at, tx)
        elif event.consultation_id:
            await _detail_summaries(event.type, d, tx)

    async def _consultation(self, type_: str, d: dict[str, Any], at: str, tx: StoreTx) -> None:
        cid = d["consultation_id"]
        doc = await tx.get(CATALOGUE, ALL, cid)
        if type_ == "consultation.ConsultationCreated":
            doc = {"id": cid, "slug": d["slug"], "phases": [], "published": False,
                   "opens_at": None, "closes_at": None, "created_at": at,
                   "organiser": "", "identity_level": "anonymous", "moderation": "post",
                   "themes": [], "territories": []}
            await tx.put(BY_SLUG, ALL, d["slug"], {"id": cid})
        if doc is None:
            return  # an event for a consultation this model never saw created: nothing to show
        doc.update({k: d[k] for k in _EDITABLE if k in d})
        if type_ == "consultation.PhasesScheduled":
            phases = d["phases"]
            doc.update(phases=phases, opens_at=phases[0]["starts_at"] if phases else None,
                       closes_at=phases[-1]["ends_at"] if phases else None)
        elif type_ == "consultation.ConsultationPublished":
            doc["published"] = True
        elif type_ == "consultation.ConsultationUnpublished":
            doc["published"] = False
        doc["updated_at"] = at
        await tx.put(CATALOGUE, ALL, cid, doc)
        if doc["published"]:
            await tx.put(PUBLISHED, ALL, cid, doc)
        else:
            await tx.delete(PUBLISHED, ALL, cid)
        detail = await _detail(tx, cid)
        detail.update(doc)
        await tx.put(DETAIL, ALL, cid, detail)


async def _detail(tx: StoreTx, cid: str) -> Doc:
    # Content may be projected before its consultation (other partitions): start a skeleton.
    return await tx.get(DETAIL, ALL, cid) or {
        "id": cid, "questionnaires": [], "commissions": [],
        "counts": {"articles": 0, "documents": 0, "videos": 0, "meetings": 0},
    }


_COUNTERS = {
    "consultation.ArticlePublished": ("articles", 1),
    "consultation.ArticleUnpublished": ("articles", -1),
    "consultation.DocumentAttached": ("documents", 1),
    "consultation.DocumentRemoved": ("documents", -1),
    "consultation.VideoAttached": ("videos", 1),
    "consultation.VideoRemoved": ("videos", -1),
    "consultation.MeetingScheduled": ("meetings", 1),
    "consultation.MeetingCancelled": ("meetings", -1),
}


_COMMISSION_EVENTS = ("consultation.CommissionCreated", "consultation.CommissionEdited",
                      "consultation.CommissionRemoved")


def _commissions(type_: str, d: dict[str, Any], listed: list[Doc]) -> list[Doc]:
    """The consultation's commissions (in order of creation) after a commission's
    creation, renaming or removal."""
    kid = d["commission_id"]
    if type_ == "consultation.CommissionCreated":
        return [*listed, {"commission_id": kid, "name": d["name"]}]
    if type_ == "consultation.CommissionEdited":
        return [{**c, "name": d["name"]} if c["commission_id"] == kid else c for c in listed]
    return [c for c in listed if c["commission_id"] != kid]


async def _detail_summaries(type_: str, d: dict[str, Any], tx: StoreTx) -> None:
    """Keep the consultation page's denormalised summaries and counters."""
    cid = d["consultation_id"]
    if type_ in _COUNTERS:
        detail = await _detail(tx, cid)
        name, step = _COUNTERS[type_]
        detail["counts"][name] = max(0, detail["counts"][name] + step)
    elif type_ in ("consultation.QuestionnaireSaved", "consultation.QuestionnaireRemoved"):
        detail = await _detail(tx, cid)
        rest = [q for q in detail["questionnaires"]
                if q["questionnaire_id"] != d["questionnaire_id"]]
        if type_ == "consultation.QuestionnaireSaved":
            rest.append({"questionnaire_id": d["questionnaire_id"], "title": d["title"],
                         "theme_id": d["theme_id"], "position": d["position"],
                         "question_count": len(d["questions"])})
        detail["questionnaires"] = sorted(rest, key=lambda q: (q["position"], q["title"]))
    elif type_ in _COMMISSION_EVENTS:
        detail = await _detail(tx, cid)
        detail["commissions"] = _commissions(type_, d, detail["commissions"])
    else:
        return
    await tx.put(DETAIL, ALL, cid, detail)

