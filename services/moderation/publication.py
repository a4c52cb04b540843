# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""Is this contribution published? The one rule, and what the public sees.

The rule is for every read model that shows contributions (public lists and
comments here, the search index, the closed-question statistics, the synthesis
corpus): a pure fold of the deposit, moderation and identity events about one
contribution. A projection keeps its own fields beside these in its state
document and calls `evolve` for the rest, so changing a publication rule touches
this module only.

State fields: `moderation` ("pre" | "post", from the submission), `withdrawn`,
`decision` (None | "approved" | "hidden" | "rejected"), `masked`, `erased` (the
author asked to be forgotten). The projection sets `kind` when the submission of
a kind it shows arrives: a state without a kind is a contribution not (yet) seen.
Events may arrive in any order (another topic, another partition): the fold
waits for the submission, and never un-withdraws or un-erases.

An approval covers the text it was made on (ADR 0135): the state keeps the
version of the latest text (`deposit_version`, the contribution's deposit stream:
its submission, then each edit) and the version the decision saw
(`decided_version`); an approval older than the text counts as no decision yet,
so a pre-moderated contribution edited after its approval waits for its
moderators again, and a post-moderated one stays shown. Versions, not arrival
order, decide: a rebuild reads the deposit topic before the moderation topic.
Likewise a mask covers the text it masked (`masked_version`): a later edit's text
replaces it (`takes_text`). A decision or mask from before versions were written
(0) covers every text, as it did.

What the public sees is kept by the projections below: `moderation.publication`
(proposals with their latest arguments, arguments) and `moderation.public_comments`
(comments per parent, oldest first). Masked versions replace the original text,
and a later edit does not bring the original back. Moderation events say nothing
of the item's kind, and may arrive before the submission they concern (another
topic): a comment's state is kept for every decided contribution, filled in when
the comment arrives. Contribution ids are UUIDv7, so the key order is the order
of writing.

| table | partition | key | doc |
|---|---|---|---|
| public_state | "all" | contribution_id | internal: the contribution, its decision and whether it shows |
| public_proposals | consultation_id | proposal_id | {id, title, body, theme_id, territory, submitted_at, arguments: {for: [ARG], against: [ARG]} (latest 5 each), counts: {for, against}} |
| public_arguments | proposal_id | argument_id | ARG = {id, proposal_id, side, body, submitted_at} |
| public_argument_summaries | "all" | proposal_id | {arguments, counts} (kept while the proposal is hidden) |
| public_comment_state | "all" | contribution_id | internal: the comment (when known), its decision, masking |
| public_comments | parent_id | contribution_id | {id, parent_id, body, submitted_at} |
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import StoreTx, Where
from services.store.projection import Projection

Doc = dict[str, Any]

SUBMITTED = {"deposit.ProposalSubmitted": "proposal", "deposit.ArgumentSubmitted": "argument",
             "deposit.CommentSubmitted": "comment", "deposit.ResponseSubmitted": "answer"}
ERASED = "identity.ParticipantErased"
# Events of the deposit and moderation topics that the read models showing
# contributions leave alone (their `ignores`, ADR 0087): the write side's
# submission key, always appended after its submission and read by the deposit
# handlers only (ADR 0033); the moderation events that change neither whether a
# contribution shows nor its text (the moderation queue alone reads them).
SUBMISSION_KEY = "deposit.SubmissionKeyed"
QUEUE_ONLY = frozenset({"moderation.ContributionChecked", "moderation.ItemClaimed",
                        "moderation.ContributionFlagged", "moderation.AppealLodged"})


EDITED = "deposit.ContributionEdited"
MASKED = "moderation.PersonalDataMasked"


def new_state(contribution_id: str) -> Doc:
    return {"id": contribution_id, "kind": None, "moderation": "post", "withdrawn": False,
            "decision": None, "masked": False, "erased": False, "deposit_version": 0,
            "decided_version": 0, "masked_version": 0}


def takes_text(state: Doc, event: Envelope) -> bool:
    """Whether an edit's or a mask's text becomes the contribution's text (the
    projection keeps it), whatever order the two arrive in: an edit unless the
    text is masked at a version not older than the edit; a mask unless a later
    edit is already there. Asked before `evolve` folds the event."""
    if event.type == EDITED:
        masked_at = int(state.get("masked_version", 0))
        return not state["masked"] or (masked_at > 0 and event.stream_version > masked_at)
    if event.type == MASKED:
        masked = int(event.data.get("deposit_version", 0))
        return masked == 0 or masked >= int(state.get("deposit_version", 0))
    return False


def evolve(state: Doc, event: Envelope) -> bool:
    """Fold one event into the publication fields; False when it changes none of
    them (an appeal upheld, a mask an edit already replaced, an event of another
    kind)."""
    d, t = event.data, event.type
    if t == EDITED and state["masked"] and takes_text(state, event):
        state["masked"] = False  # the author's new text replaces the masked one
    fold_versions(state, event)
    if t in SUBMITTED:
        state["moderation"] = d["moderation"]
    elif t == "deposit.ContributionWithdrawn":
        state["withdrawn"] = True
    elif t == "moderation.DecisionMade":
        state["decision"] = d["decision"]
    elif t == "moderation.AppealDecided" and d["outcome"] == "overturned":
        state["decision"] = "approved"
    elif t == MASKED:
        if not takes_text(state, event):
            return False
        state["masked"] = True
        state["masked_version"] = int(d.get("deposit_version", 0))
    elif t != EDITED:  # an edit changes its version (folded above), nothing else here
        return False
    if state["decision"] == "approved" and edited_since_decided(state):
        state["decision"] = None  # the approval was of an older text: not decided yet
    return True


def fold_versions(doc: Doc, event: Envelope) -> None:
    """The versions of ADR 0135 every fold of a contribution keeps alike (this
    module's states, the moderation queue's item): the latest text's
    (`deposit_version`, the deposit stream's version of a submission or an edit)
    and the decision's (`decided_version`: the text an approval or an overturned
    appeal was made on)."""
    d, t = event.data, event.type
    if t in SUBMITTED or t == EDITED:
        doc["deposit_version"] = max(int(doc.get("deposit_version", 0)), event.stream_version)
    elif t == "moderation.DecisionMade" or (
            t == "moderation.AppealDecided" and d["outcome"] == "overturned"):
        doc["decided_version"] = int(d.get("deposit_version", 0))


def edited_since_decided(state: Doc) -> bool:
    """The text changed since the decision was made on it (a decision from before
    versions were recorded, 0, covers every text)."""
    decided = int(state.get("decided_version", 0))
    return decided > 0 and int(state.get("deposit_version", 0)) > decided


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


def contribution_reads(events: Sequence[Envelope], state_table: str, authors_table: str = "",
                       submitted: Collection[str] = ()) -> list[Where]:
    """What a projection of contributions reads for `events` (its `reads`, ADR 0120):
    each one's state in `state_table`, and for a submission whose type is in
    `submitted` its author's document in `authors_table` (both in partition "all")."""
    wheres: list[Where] = []
    for event in events:
        d = event.data
        contribution_id = d.get("contribution_id")
        if not isinstance(contribution_id, str):
            continue
        wheres.append((state_table, "all", contribution_id))
        if event.type in submitted and isinstance(author := d.get("author_id"), str):
            wheres.append((authors_table, "all", author))
    return wheres


def new_author() -> Doc:
    return {"erased": False, "contributions": []}


STATE = "public_state"
PUBLIC_PROPOSALS = "public_proposals"
PUBLIC_ARGUMENTS = "public_arguments"
SUMMARIES = "public_argument_summaries"
ALL = "all"
EMBEDDED = 5
KINDS = {"deposit.ProposalSubmitted": "proposal", "deposit.ArgumentSubmitted": "argument"}
COMMENT_STATE = "public_comment_state"
PUBLIC_COMMENTS = "public_comments"
MODERATION = ("moderation.DecisionMade", "moderation.PersonalDataMasked",
              "moderation.AppealDecided")
DEPOSIT = ("deposit.CommentSubmitted", "deposit.ContributionEdited",
           "deposit.ContributionWithdrawn")


class PublicationProjection(Projection):
    name = "moderation.publication"
    replay_cost = 0.25  # 5.7 µs an event read (bench/replay.py, 2026-12-06)
    topics = ("deposit.events", "moderation.events")
    tables = (STATE, PUBLIC_PROPOSALS, PUBLIC_ARGUMENTS, SUMMARIES)
    ignores = QUEUE_ONLY | {SUBMISSION_KEY} | (SUBMITTED.keys() - KINDS.keys())

    def reads(self, events: Sequence[Envelope]) -> list[Where]:
        return contribution_reads(events, STATE)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d, t = event.data, event.type
        if "contribution_id" not in d or (t in SUBMITTED and t not in KINDS):
            return
        state = await tx.get(STATE, ALL, d["contribution_id"]) or {
            **new_state(d["contribution_id"]), "shown": False}
        if t in KINDS:
            state.update(kind=KINDS[t], consultation_id=d["consultation_id"],
                         theme_id=d.get("theme_id", ""), territory=d.get("territory", ""),
                         proposal_id=d.get("proposal_id", ""), side=d.get("side", ""),
                         submitted_at=iso(event.occurred_at))
            if not state["masked"]:  # a mask read first (the other topic) keeps its text
                state.update(title=d.get("title", ""), body=d["body"])
        elif t in (EDITED, MASKED) and takes_text(state, event):
            state.update(body=d["body"], title=d["title"] or state.get("title", ""))
        if not evolve(state, event):
            return
        await tx.put(STATE, ALL, state["id"], state)
        if state["kind"] == "proposal":
            await _proposal(state, tx)
        elif state["kind"] == "argument":
            await _argument(state, tx)


async def _proposal(state: dict[str, Any], tx: StoreTx) -> None:
    if not shows(state):
        await tx.delete(PUBLIC_PROPOSALS, state["consultation_id"], state["id"])
        return
    summary = await tx.get(SUMMARIES, ALL, state["id"]) or _empty_summary()
    await tx.put(PUBLIC_PROPOSALS, state["consultation_id"], state["id"], {
        "id": state["id"], "title": state["title"], "body": state["body"],
        "theme_id": state["theme_id"], "territory": state["territory"],
        "submitted_at": state["submitted_at"], **summary})


async def _argument(state: dict[str, Any], tx: StoreTx) -> None:
    pid, side = state["proposal_id"], state["side"]
    visible = shows(state)
    arg = {"id": state["id"], "proposal_id": pid, "side": side, "body": state["body"],
           "submitted_at": state["submitted_at"]}
    summary = await tx.get(SUMMARIES, ALL, pid) or _empty_summary()
    listed = [a for a in summary["arguments"][side] if a["id"] != arg["id"]]
    if visible:
        await tx.put(PUBLIC_ARGUMENTS, pid, arg["id"], arg)
        listed = [arg, *listed][:EMBEDDED]
    else:
        await tx.delete(PUBLIC_ARGUMENTS, pid, arg["id"])
    if visible != state["shown"]:
        summary["counts"][side] += 1 if visible else -1
        state["shown"] = visible
        await tx.put(STATE, ALL, state["id"], state)
    summary["arguments"][side] = listed
    await tx.put(SUMMARIES, ALL, pid, summary)
    proposal = await tx.get(STATE, ALL, pid)
    if proposal is not None and proposal.get("kind") == "proposal":
        await _proposal(proposal, tx)


def _empty_summary() -> dict[str, Any]:
    return {"arguments": {"for": [], "against": []}, "counts": {"for": 0, "against": 0}}


class PublicCommentsProjection(Projection):
    name = "moderation.public_comments"
    replay_cost = 0.05  # passes over all but comments
    topics = ("deposit.events", "moderation.events")
    tables = (COMMENT_STATE, PUBLIC_COMMENTS)
    ignores = QUEUE_ONLY | {SUBMISSION_KEY} | (SUBMITTED.keys() - {"deposit.CommentSubmitted"})

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d, t = event.data, event.type
        if t not in DEPOSIT and t not in MODERATION:
            return
        state = await tx.get(COMMENT_STATE, ALL, d["contribution_id"])
        if state is None:
            if t not in MODERATION and t != "deposit.CommentSubmitted":
                return  # an edit or withdrawal of something that is not a comment
            state = new_state(d["contribution_id"])
        if t == "deposit.CommentSubmitted":
            state.update(kind="comment", parent_id=d["parent_id"],
                         submitted_at=iso(event.occurred_at))
            if not state["masked"]:  # a mask read first (the other topic) keeps its text
                state["body"] = d["body"]
        elif t in (EDITED, MASKED) and takes_text(state, event):
            state["body"] = d["body"]
        evolve(state, event)
        await tx.put(COMMENT_STATE, ALL, state["id"], state)
        if state["kind"] == "comment":
            await _publish_comment(state, tx)


async def _publish_comment(state: dict[str, Any], tx: StoreTx) -> None:
    if shows(state):
        await tx.put(PUBLIC_COMMENTS, state["parent_id"], state["id"], {
            "id": state["id"], "parent_id": state["parent_id"], "body": state["body"],
            "submitted_at": state["submitted_at"]})
    else:
        await tx.delete(PUBLIC_COMMENTS, state["parent_id"], state["id"])
