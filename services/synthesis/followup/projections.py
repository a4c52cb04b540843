"""The projection `synthesis.followup` (tables in tables.py)."""

from __future__ import annotations

from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import StoreTx
from services.store.projection import Projection
from services.synthesis.events import CONVERSATION_EVENTS
from services.synthesis.followup.tables import ALL, DIGESTS, NOTICES, RESPONSES


class FollowUpProjection(Projection):
    name = "synthesis.followup"
    topics = ("synthesis.events",)
    tables = (RESPONSES, NOTICES, DIGESTS)
    ignores = CONVERSATION_EVENTS

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d, t = event.data, event.type
        at = iso(event.occurred_at)
        if t == "synthesis.DigestSent":
            digest = await tx.get(DIGESTS, ALL, d["participant_id"]) or {"items": []}
            await tx.put(DIGESTS, ALL, d["participant_id"], {
                "items": digest["items"][d["notices"]:], "version": event.stream_version})
            return
        if not event.stream.startswith("followup-"):
            return
        cid, rid = d["consultation_id"], d["response_id"]
        response = await tx.get(RESPONSES, cid, rid)
        if t == "synthesis.ResponsePublished":
            response = {"response_id": rid, "title": d["title"], "body": d["body"],
                        "status": d["status"], "run_id": d["run_id"],
                        "theme_ids": d["theme_ids"], "proposal_ids": d["proposal_ids"],
                        "history": [{"status": d["status"], "note": "", "at": at}],
                        "published_at": at}
        elif response is None:
            return
        elif t == "synthesis.ResponseStatusChanged":
            response["status"] = d["status"]
            response["history"].append({"status": d["status"], "note": d["note"], "at": at})
        elif t == "synthesis.ContributorsNotified":
            notice = {"consultation_id": cid, "response_id": rid, "title": response["title"],
                      "status": d["status"], "at": at}
            for pid in d["participant_ids"]:
                await tx.put(NOTICES, pid, f"{at}|{rid}|{event.stream_version}", notice)
                digest = await tx.get(DIGESTS, ALL, pid) or {"items": [], "version": 0}
                digest["items"].append(notice)
                await tx.put(DIGESTS, ALL, pid, digest)
        response["version"] = event.stream_version
        await tx.put(RESPONSES, cid, rid, response)
