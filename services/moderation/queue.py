# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""The moderator's read models (projection `moderation.queue`), fed by deposit
and moderation events, in whatever order they arrive.

| table | partition | key | doc |
|---|---|---|---|
| moderation_items | "all" | contribution_id | ITEM |
| moderation_queue | consultation_id | "<9 - severity>|<contribution_id>" | ITEM (most severe first, then oldest) |
| moderation_campaigns | group_id | contribution_id | {id, consultation_id} |
| moderation_transparency | consultation_id | reason_code | {reason_code, count} (public: hidden or rejected, net of overturned appeals) |
| moderation_charters | "all" | consultation_id | {reasons: [{code, label}]} |

ITEM = {id, consultation_id, kind, author_id, title, body, moderation ("pre" |
"post"), suggestions, severity, flags, status ("pending" | "approved" | "hidden"
| "rejected" | "withdrawn"), reason_code, decided_by, claimed_by, claimed_until,
campaign_group_id, masked, appeal (None | {status: "pending" | "decided", text,
outcome}), version (of stream moderation-<id>), queue_key, deposit_stream (the
submission's stream: a response's is not named by its id), deposit_version,
decided_version, masked_version (ADR 0135)}.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.core.envelope import Envelope
from services.moderation import model, publication
from services.store.port import StoreTx, Where
from services.store.projection import Projection

ITEMS = "moderation_items"
QUEUE = "moderation_queue"
CAMPAIGNS = "moderation_campaigns"
TRANSPARENCY = "moderation_transparency"
CHARTERS = "moderation_charters"
ALL = "all"
FLAG_THRESHOLD = 3  # flags that push a post-moderated item into the queue


def queue_severity(item: dict[str, Any]) -> int | None:
    """The item's rank in the queue, or None when it does not belong there."""
    if item["kind"] is None or item["status"] == "withdrawn":
        return None
    if item["appeal"] and item["appeal"]["status"] == "pending":
        return max(int(item["severity"]), 2)
    if item["status"] != "pending":
        return None
    flagged = item["flags"] >= FLAG_THRESHOLD
    if item["moderation"] == "pre" or item["severity"] > 0 or flagged:
        return max(int(item["severity"]), 2 if flagged else 0)
    return None


class QueueProjection(Projection):
    name = "moderation.queue"
    topics = ("deposit.events", "moderation.events")
    tables = (ITEMS, QUEUE, CAMPAIGNS, TRANSPARENCY, CHARTERS)
    ignores = frozenset({publication.SUBMISSION_KEY})

    def reads(self, events: Sequence[Envelope]) -> list[Where]:
        return publication.contribution_reads(events, ITEMS)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d = event.data
        if event.type == "moderation.CharterSet":
            await tx.put(CHARTERS, ALL, d["consultation_id"], {"reasons": d["reasons"]})
            return
        if "contribution_id" not in d or event.type == "deposit.ContributionPolicySet":
            return
        item = await tx.get(ITEMS, ALL, d["contribution_id"]) or model.new_item(
            d["contribution_id"], d["consultation_id"])
        await self._change(event, item, tx)
        await _save(item, tx)

    async def _change(self, event: Envelope, item: dict[str, Any], tx: StoreTx) -> None:
        """The item's new state (model.evolve_item, as the handlers fold it), and
        what moves beside it: campaign groups and the transparency counts."""
        d, t = event.data, event.type
        reason_before = item["reason_code"]
        model.evolve_item(item, event)
        if t == "moderation.ContributionChecked":
            for member in d["campaign_members_moved"]:
                other = item if member == item["id"] else (
                    await tx.get(ITEMS, ALL, member)
                    or model.new_item(member, d["consultation_id"]))
                await _move_to_group(other, d["campaign_group_id"], tx)
                if other is not item:
                    await _save(other, tx)
        elif t == "moderation.DecisionMade" and d["decision"] in ("hidden", "rejected"):
            await _count(tx, item["consultation_id"], d["reason_code"], +1)
        elif t == "moderation.AppealDecided" and d["outcome"] == "overturned":
            await _count(tx, item["consultation_id"], reason_before, -1)


async def _move_to_group(item: dict[str, Any], group_id: str, tx: StoreTx) -> None:
    if item["campaign_group_id"]:
        await tx.delete(CAMPAIGNS, item["campaign_group_id"], item["id"])
    item["campaign_group_id"] = group_id
    await tx.put(CAMPAIGNS, group_id, item["id"],
                 {"id": item["id"], "consultation_id": item["consultation_id"]})


async def _count(tx: StoreTx, consultation_id: str, reason: str, step: int) -> None:
    doc = await tx.get(TRANSPARENCY, consultation_id, reason) or {"reason_code": reason,
                                                                 "count": 0}
    doc["count"] = max(0, doc["count"] + step)
    await tx.put(TRANSPARENCY, consultation_id, reason, doc)


async def _save(item: dict[str, Any], tx: StoreTx) -> None:
    severity = queue_severity(item)
    key = None if severity is None else f"{9 - severity}|{item['id']}"
    if item["queue_key"] and item["queue_key"] != key:
        await tx.delete(QUEUE, item["consultation_id"], item["queue_key"])
    item["queue_key"] = key
    await tx.put(ITEMS, ALL, item["id"], item)
    if key is not None:
        await tx.put(QUEUE, item["consultation_id"], key, item)
