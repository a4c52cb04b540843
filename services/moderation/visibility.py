"""Is this contribution published? The one rule, for every read model that shows
contributions (public lists and comments, the search index, the closed-question
statistics, the synthesis corpus): a pure fold of the deposit, moderation and
identity events about one contribution. A projection keeps its own fields beside
these in its state document and calls `evolve` for the rest, so changing a
publication rule touches this module only.

State fields: `moderation` ("pre" | "post", from the submission), `withdrawn`,
`decision` (None | "approved" | "hidden" | "rejected"), `masked`, `erased` (the
author asked to be forgotten). The projection sets `kind` when the submission of
a kind it shows arrives: a state without a kind is a contribution not (yet) seen.
Events may arrive in any order (another topic, another partition): the fold
waits for the submission, and never un-withdraws or un-erases.
"""

from __future__ import annotations

from typing import Any

from services.core.envelope import Envelope
from services.store.port import StoreTx

Doc = dict[str, Any]

SUBMITTED = {"deposit.ProposalSubmitted": "proposal", "deposit.ArgumentSubmitted": "argument",
             "deposit.CommentSubmitted": "comment", "deposit.ResponseSubmitted": "answer"}
ERASED = "identity.ParticipantErased"


def new_state(contribution_id: str) -> Doc:
    return {"id": contribution_id, "kind": None, "moderation": "post", "withdrawn": False,
            "decision": None, "masked": False, "erased": False}


def evolve(state: Doc, event: Envelope) -> bool:
    """Fold one event into the publication fields; False when it changes none of
    them (an appeal upheld, an event of another kind)."""
    d, t = event.data, event.type
    if t in SUBMITTED:
        state["moderation"] = d["moderation"]
    elif t == "deposit.ContributionWithdrawn":
        state["withdrawn"] = True
    elif t == "moderation.DecisionMade":
        state["decision"] = d["decision"]
    elif t == "moderation.AppealDecided" and d["outcome"] == "overturned":
        state["decision"] = "approved"
    elif t == "moderation.PersonalDataMasked":
        state["masked"] = True
    else:
        return False
    return True


def published(state: Doc) -> bool:
    """Submitted, not withdrawn, and approved -- or post-moderated and not (yet)
    hidden or rejected. Whatever became of its author."""
    if state.get("kind") is None or state["withdrawn"]:
        return False
    return state["decision"] == "approved" or (
        state["moderation"] == "post" and state["decision"] is None)


def shows(state: Doc) -> bool:
    """Published, and its author not erased: what the public and analysts read.
    (Closed answers of an erased author keep counting in the statistics, as an
    anonymous person's: those use `published`.)"""
    return published(state) and not state.get("erased", False)


async def remember_author(tx: StoreTx, table: str, author_id: str, contribution_id: str,
                          **defaults: Any) -> Doc:
    """Record the contribution under its author in `table` (partition "all"), for
    a later erasure to reach it; returns the author's document ({erased,
    contributions} and the projection's own `defaults` fields)."""
    author = await tx.get(table, "all", author_id) or {**new_author(), **defaults}
    if contribution_id not in author["contributions"]:
        author["contributions"] = [*author["contributions"], contribution_id]
        await tx.put(table, "all", author_id, author)
    return author


async def erase_author(tx: StoreTx, table: str, participant_id: str,
                       **defaults: Any) -> list[str]:
    """Mark the author erased in `table`; returns their contribution ids, whose
    states the projection then marks `erased` too."""
    author = await tx.get(table, "all", participant_id) or {**new_author(), **defaults}
    author["erased"] = True
    await tx.put(table, "all", participant_id, author)
    return list(author["contributions"])


def new_author() -> Doc:
    return {"erased": False, "contributions": []}
