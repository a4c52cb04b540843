# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""What the public sees: deposit + moderation decision (projection
`moderation.publication`), published by the rule of `visibility.shows`. Masked
versions replace the original text.

| table | partition | key | doc |
|---|---|---|---|
| public_state | "all" | contribution_id | internal: the contribution, its decision and whether it shows |
| public_proposals | consultation_id | proposal_id | {id, title, body, theme_id, territory, submitted_at, arguments: {for: [ARG], against: [ARG]} (latest 5 each), counts: {for, against}} |
| public_arguments | proposal_id | argument_id | ARG = {id, proposal_id, side, body, submitted_at} |
| public_argument_summaries | "all" | proposal_id | {arguments, counts} (kept while the proposal is hidden) |
"""

from __future__ import annotations

from typing import Any

from services.core.envelope import Envelope
from services.core.times import iso
from services.moderation import visibility
from services.store.port import StoreTx
from services.store.projection import Projection

STATE = "public_state"
PUBLIC_PROPOSALS = "public_proposals"
PUBLIC_ARGUMENTS = "public_arguments"
SUMMARIES = "public_argument_summaries"
ALL = "all"
EMBEDDED = 5
KINDS = {"deposit.ProposalSubmitted": "proposal", "deposit.ArgumentSubmitted": "argument"}


class PublicationProjection(Projection):
    name = "moderation.publication"
    topics = ("deposit.events", "moderation.events")
    tables = (STATE, PUBLIC_PROPOSALS, PUBLIC_ARGUMENTS, SUMMARIES)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d, t = event.data, event.type
        if "contribution_id" not in d or (t in visibility.SUBMITTED and t not in KINDS):
            return
        state = await tx.get(STATE, ALL, d["contribution_id"]) or {
            **visibility.new_state(d["contribution_id"]), "shown": False}
        if t in KINDS:
            state.update(kind=KINDS[t], consultation_id=d["consultation_id"],
                         title=d.get("title", ""), body=d["body"],
                         theme_id=d.get("theme_id", ""), territory=d.get("territory", ""),
                         proposal_id=d.get("proposal_id", ""), side=d.get("side", ""),
                         submitted_at=iso(event.occurred_at))
        elif t == "deposit.ContributionEdited":
            if state.get("masked"):
                return
            state.update(body=d["body"], title=d["title"] or state.get("title", ""))
        elif t == "moderation.PersonalDataMasked":
            state.update(title=d["title"], body=d["body"])
        if not visibility.evolve(state, event) and t != "deposit.ContributionEdited":
            return
        await tx.put(STATE, ALL, state["id"], state)
        if state["kind"] == "proposal":
            await _proposal(state, tx)
        elif state["kind"] == "argument":
            await _argument(state, tx)


async def _proposal(state: dict[str, Any], tx: StoreTx) -> None:
    if not visibility.shows(state):
        await tx.delete(PUBLIC_PROPOSALS, state["consultation_id"], state["id"])
        return
    summary = await tx.get(SUMMARIES, ALL, state["id"]) or _empty_summary()
    await tx.put(PUBLIC_PROPOSALS, state["consultation_id"], state["id"], {
        "id": state["id"], "title": state["title"], "body": state["body"],
        "theme_id": state["theme_id"], "territory": state["territory"],
        "submitted_at": state["submitted_at"], **summary})


async def _argument(state: dict[str, Any], tx: StoreTx) -> None:
    pid, side = state["proposal_id"], state["side"]
    visible = visibility.shows(state)
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

