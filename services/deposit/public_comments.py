# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""Public comments (projection `deposit.public_comments`): the comments the public
may read, per parent (a proposal or an argument), oldest first.

Published by the one rule of `services.moderation.visibility.shows`, as
arguments are. A masked version replaces the text, and a later edit does not
bring the original back.

| table | partition | key | doc |
|---|---|---|---|
| public_comment_state | "all" | contribution_id | internal: the comment (when known), its decision, masking |
| public_comments | parent_id | contribution_id | {id, parent_id, body, submitted_at} |

Moderation events say nothing of the item's kind, and may in a distributed
deployment arrive before the submission they concern (another topic): a state
is kept for every decided contribution, filled in when the comment arrives.
Contribution ids are UUIDv7, so the key order is the order of writing.
"""

from __future__ import annotations

from typing import Any

from services.core.envelope import Envelope
from services.core.times import iso
from services.moderation import visibility
from services.store.port import StoreTx
from services.store.projection import Projection

STATE = "public_comment_state"
PUBLIC_COMMENTS = "public_comments"
ALL = "all"
MODERATION = ("moderation.DecisionMade", "moderation.PersonalDataMasked",
              "moderation.AppealDecided")
DEPOSIT = ("deposit.CommentSubmitted", "deposit.ContributionEdited",
           "deposit.ContributionWithdrawn")


class PublicCommentsProjection(Projection):
    name = "deposit.public_comments"
    topics = ("deposit.events", "moderation.events")
    tables = (STATE, PUBLIC_COMMENTS)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d, t = event.data, event.type
        if t not in DEPOSIT and t not in MODERATION:
            return
        state = await tx.get(STATE, ALL, d["contribution_id"])
        if state is None:
            if t not in MODERATION and t != "deposit.CommentSubmitted":
                return  # an edit or withdrawal of something that is not a comment
            state = visibility.new_state(d["contribution_id"])
        if t == "deposit.CommentSubmitted":
            state.update(kind="comment", parent_id=d["parent_id"], body=d["body"],
                         submitted_at=iso(event.occurred_at))
        elif t == "deposit.ContributionEdited":
            if not state["masked"]:
                state["body"] = d["body"]
        elif t == "moderation.PersonalDataMasked":
            state["body"] = d["body"]
        visibility.evolve(state, event)
        await tx.put(STATE, ALL, state["id"], state)
        if state["kind"] == "comment":
            await _publish(state, tx)


async def _publish(state: dict[str, Any], tx: StoreTx) -> None:
    if visibility.shows(state):
        await tx.put(PUBLIC_COMMENTS, state["parent_id"], state["id"], {
            "id": state["id"], "parent_id": state["parent_id"], "body": state["body"],
            "submitted_at": state["submitted_at"]})
    else:
        await tx.delete(PUBLIC_COMMENTS, state["parent_id"], state["id"])

