"""Projections `consultation.meetings` and `consultation.commissions`.
Table layouts are documented in `projections.py`. A removed commission leaves
its table; the meetings that named it stay, unlinked (ADR 0140)."""

from __future__ import annotations

from typing import Any

from services.consultation.richtext import render_markdown
from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import Doc, StoreTx
from services.store.projection import Projection

MEETINGS = "meetings"
BY_CONSULTATION = "meetings_by_consultation"
BY_DEPARTEMENT = "meetings_by_departement"
BY_COMMISSION = "meetings_by_commission"
BY_DATE = "meetings_by_date"  # partition "all", key "<starts_at UTC>|<id>": date order
# partition "all", key "<meeting>|<version>": promotions whose person is not yet told
PROMOTIONS = "meeting_promotions_pending"
# partition "all", key meeting id: cancellations whose people are not yet told
CANCELLATIONS = "meeting_cancellations_pending"
MINUTES = "minutes"
# partition participant id, key meeting id: what the personal-data export lists.
REGISTRATIONS = "meeting_registrations"
# partition "all", key commission id: the meetings naming it, or that it is removed
LINKS = "commission_meeting_links"
COMMISSIONS = "commissions"
ALL = "all"


def _key(doc: Doc) -> str:
    return f"{doc['starts_at']}|{doc['meeting_id']}"


_PERSONAL_STATUS = ("MeetingRegistrationAdded", "MeetingRegistrationCancelled",
                    "MeetingWaitlistJoined", "MeetingWaitlistLeft", "MeetingWaitlistPromoted")


class MeetingProjection(Projection):
    name = "consultation.meetings"
    topics = ("consultation.events",)
    tables = (MEETINGS, BY_CONSULTATION, BY_DEPARTEMENT, BY_COMMISSION, BY_DATE, MINUTES,
              PROMOTIONS, CANCELLATIONS, REGISTRATIONS, LINKS)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        t, d = event.type.removeprefix("consultation."), event.data
        if t == "CommissionRemoved":
            await _unlink(d["commission_id"], tx)
            return
        if not (t.startswith("Meeting") or t == "MinutesPublished"):
            return
        if t in ("MeetingPromotionNotified", "MeetingWaitlistPromoted"):
            await self._promotions(t, d, event.stream_version, tx)
        if t in ("MeetingCancellationNotified", "MeetingCancelled"):
            await self._cancellations(t, d, tx)
        if t in ("MeetingReminderSent", "MeetingPromotionNotified",
                 "MeetingCancellationNotified"):
            return
        at = iso(event.occurred_at)
        old = await tx.get(MEETINGS, ALL, d["meeting_id"])
        doc = self._next(t, d, at, old)
        if doc is None:
            return
        if t in ("MeetingScheduled", "MeetingUpdated"):
            doc = await _linked(doc, old, tx)
        await _file(doc, old, tx)
        if doc.get("minutes") and t in ("MinutesPublished", "MeetingUpdated"):
            # named after its meeting, as it is called now
            await tx.put(MINUTES, doc["consultation_id"], doc["meeting_id"], {
                **doc["minutes"], "title": doc["title"], "starts_at": doc["starts_at"]})
        elif t in _PERSONAL_STATUS:
            # A seat or a place on the waiting list is personal data the export lists.
            await tx.put(REGISTRATIONS, d["participant_id"], doc["meeting_id"], {
                "meeting_id": doc["meeting_id"], "consultation_id": doc["consultation_id"],
                "title": doc["title"], "starts_at": doc["starts_at"], "at": at,
                "cancelled": t in ("MeetingRegistrationCancelled", "MeetingWaitlistLeft"),
                "waiting": t == "MeetingWaitlistJoined"})

    @staticmethod
    async def _promotions(t: str, d: dict[str, Any], version: int, tx: StoreTx) -> None:
        """A promotion waits in PROMOTIONS until its notice is claimed. The two
        are on different streams, which a Kafka topic may deliver in either
        order: a notice seen first leaves a mark the promotion then clears."""
        at = version if t == "MeetingWaitlistPromoted" else d["promotion_version"]
        key = _promotion(d["meeting_id"], at)
        seen = await tx.get(PROMOTIONS, ALL, key)
        if seen is not None:
            await tx.delete(PROMOTIONS, ALL, key)
        elif t == "MeetingWaitlistPromoted":
            await tx.put(PROMOTIONS, ALL, key, {**d, "promotion_version": version})
        else:
            await tx.put(PROMOTIONS, ALL, key, {"notified": True})

    @staticmethod
    async def _cancellations(t: str, d: dict[str, Any], tx: StoreTx) -> None:
        """A cancellation waits in CANCELLATIONS until its notice is claimed, in
        either order, as a promotion does."""
        key = d["meeting_id"]
        seen = await tx.get(CANCELLATIONS, ALL, key)
        if seen is not None:
            await tx.delete(CANCELLATIONS, ALL, key)
        elif t == "MeetingCancelled":
            await tx.put(CANCELLATIONS, ALL, key, {"meeting_id": key,
                                                   "consultation_id": d["consultation_id"]})
        else:
            await tx.put(CANCELLATIONS, ALL, key, {"notified": True})

    @staticmethod
    def _next(t: str, d: dict[str, Any], at: str, old: Doc | None) -> Doc | None:
        if t in ("MeetingScheduled", "MeetingUpdated"):
            kept = {"registrations": 0, "waiting": 0, "cancelled": False, "minutes": None}
            if old is not None:
                kept = {k: old.get(k, v) for k, v in kept.items()}
            return {**d, **kept}
        if old is None:
            return None  # registrations or minutes of a meeting never seen: ignore
        doc = dict(old)
        if t == "MeetingCancelled":
            doc["cancelled"] = True
        elif t == "MeetingRegistrationAdded":
            doc["registrations"] += 1
        elif t == "MeetingRegistrationCancelled":
            doc["registrations"] = max(0, doc["registrations"] - 1)
        elif t == "MeetingWaitlistJoined":
            doc["waiting"] = doc.get("waiting", 0) + 1
        elif t == "MeetingWaitlistLeft":
            doc["waiting"] = max(0, doc.get("waiting", 0) - 1)
        elif t == "MeetingWaitlistPromoted":
            doc["registrations"] += 1
            doc["waiting"] = max(0, doc.get("waiting", 0) - 1)
        elif t == "MinutesPublished":
            doc["minutes"] = {k: d[k] for k in ("meeting_id", "consultation_id", "summary",
                                                "attendance", "contribution_ids")}
            doc["minutes"]["published_at"] = at
        return doc


async def _file(doc: Doc, old: Doc | None, tx: StoreTx) -> None:
    """The meeting and its copies in the lists; the date, place or commission may
    have changed: the old copies are unfiled first."""
    if old is not None:
        for table, part in _indexes(old):
            await tx.delete(table, part, _key(old))
    await tx.put(MEETINGS, ALL, doc["meeting_id"], doc)
    for table, part in _indexes(doc):
        await tx.put(table, part, _key(doc), doc)


async def _linked(doc: Doc, old: Doc | None, tx: StoreTx) -> Doc:
    """The meeting as filed: a commission keeps the ids of the meetings naming it,
    so that its removal unlinks them; a meeting naming a commission whose removal
    was projected first (another partition on Kafka) is filed unlinked."""
    kid, mid = doc["commission_id"], doc["meeting_id"]
    before = old.get("commission_id") if old else None
    if before and before != kid:
        links = await tx.get(LINKS, ALL, before)
        if links is not None and mid in links["meeting_ids"]:
            links["meeting_ids"].remove(mid)
            await tx.put(LINKS, ALL, before, links)
    if not kid:
        return doc
    links = await tx.get(LINKS, ALL, kid) or {"meeting_ids": [], "removed": False}
    if links["removed"]:
        return {**doc, "commission_id": None}
    if mid not in links["meeting_ids"]:
        links["meeting_ids"].append(mid)
        await tx.put(LINKS, ALL, kid, links)
    return doc


async def _unlink(commission_id: str, tx: StoreTx) -> None:
    """A removed commission's meetings stay, no longer naming it (ADR 0140)."""
    links = await tx.get(LINKS, ALL, commission_id) or {"meeting_ids": []}
    for mid in links["meeting_ids"]:
        old = await tx.get(MEETINGS, ALL, mid)
        if old is not None and old["commission_id"] == commission_id:
            await _file({**old, "commission_id": None}, old, tx)
    await tx.put(LINKS, ALL, commission_id, {"meeting_ids": [], "removed": True})


def _promotion(meeting_id: str, version: int) -> str:
    return f"{meeting_id}|{version:012d}"


def _indexes(doc: Doc) -> list[tuple[str, str]]:
    out = [(BY_CONSULTATION, doc["consultation_id"]), (BY_DATE, ALL)]
    if doc["departement"]:
        out.append((BY_DEPARTEMENT, doc["departement"]))
    if doc["commission_id"]:
        out.append((BY_COMMISSION, doc["commission_id"]))
    return out


class CommissionProjection(Projection):
    name = "consultation.commissions"
    topics = ("consultation.events",)
    tables = (COMMISSIONS,)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        t, d = event.type.removeprefix("consultation."), event.data
        if not t.startswith("Commission"):
            return
        cid, key = d["consultation_id"], d["commission_id"]
        doc = await tx.get(COMMISSIONS, cid, key)
        if t == "CommissionCreated":
            doc = {"commission_id": key, "consultation_id": cid, "name": d["name"],
                   "description": d["description"], "members": [], "reports": []}
        elif doc is None:
            return
        elif t == "CommissionRemoved":  # its members and reports go with it (ADR 0140)
            await tx.delete(COMMISSIONS, cid, key)
            return
        elif t == "CommissionEdited":
            doc.update(name=d["name"], description=d["description"])
        elif t == "CommissionMemberAdded":
            doc["members"].append({k: d[k] for k in ("member_id", "display_name", "role")})
        elif t == "CommissionMemberRemoved":
            doc["members"] = [x for x in doc["members"] if x["member_id"] != d["member_id"]]
        elif t == "CommissionReportPublished":
            at = iso(event.occurred_at)
            report = {"report_id": d["report_id"], "title": d["title"],
                      "body_markdown": d["body_markdown"],
                      "body_html": render_markdown(d["body_markdown"]), "published_at": at}
            # Publishing a report id again edits it in place (first publication date kept).
            earlier = [r for r in doc["reports"] if r["report_id"] == d["report_id"]]
            if earlier:
                report.update(published_at=earlier[0]["published_at"], updated_at=at)
                doc["reports"] = [report if r["report_id"] == d["report_id"] else r
                                  for r in doc["reports"]]
            else:
                doc["reports"].insert(0, report)
        await tx.put(COMMISSIONS, cid, key, doc)
