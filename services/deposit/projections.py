# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""Read models of the deposit service (projection `deposit.contributions`).

| table | partition | key | doc |
|---|---|---|---|
| deposit_contributions | "all" | contribution_id | CONTRIBUTION (every state: handlers and back office) |
| deposit_by_author | participant id | `author_key`: "<submitted_at, fixed width>\\|<contribution_id>" | CONTRIBUTION ("my contributions", in the order sent: newest last) |
| deposit_responses | questionnaire_id | contribution_id | {contribution_id, author_id, answers, submitted_at} |
| deposit_policies | "all" | consultation_id | {edit_minutes, withdraw_allowed} |

CONTRIBUTION = {id, kind ("proposal" | "response" | "argument" | "comment"),
consultation_id, author_id, title, body, theme_id, territory, proposal_id,
parent_id, side, questionnaire_id, moderation ("pre" | "post"), submitted_at,
edited_at, withdrawn, stream, version (the stream's last applied version)}.
What the public sees (deposit + moderation decision) is projected by
`services.moderation.publication`.
"""

from __future__ import annotations

from typing import Any

from services.core.envelope import Envelope
from services.core.values import parse_iso
from services.deposit import model
from services.deposit.events import SubmissionKeyed
from services.deposit.model import KIND_OF, submitted_doc
from services.store.port import StoreTx
from services.store.projection import Projection

CONTRIBUTIONS = "deposit_contributions"
BY_AUTHOR = "deposit_by_author"
RESPONSES = "deposit_responses"
POLICIES = "deposit_policies"
ALL = "all"

class ContributionsProjection(Projection):
    name = "deposit.contributions"
    replay_cost = 0.6  # 14 µs an event read (bench/replay.py, 2026-12-06)
    topics = ("deposit.events",)
    tables = (CONTRIBUTIONS, BY_AUTHOR, RESPONSES, POLICIES)
    ignores = frozenset({SubmissionKeyed.TYPE})  # the write side's key (ADR 0087)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d = event.data
        if event.type in KIND_OF:
            doc = submitted_doc(event)
            if doc["kind"] == "response":
                await tx.put(RESPONSES, d["questionnaire_id"], doc["id"], {
                    "contribution_id": doc["id"], "author_id": doc["author_id"],
                    "answers": d["answers"], "submitted_at": doc["submitted_at"]})
            await _save(tx, doc)
        elif event.type == "deposit.ContributionPolicySet":
            await tx.put(POLICIES, ALL, d["consultation_id"],
                         {"edit_minutes": d["edit_minutes"],
                          "withdraw_allowed": d["withdraw_allowed"]})
        elif event.type in ("deposit.ContributionEdited", "deposit.ContributionWithdrawn"):
            found = model.evolve(await tx.get(CONTRIBUTIONS, ALL, d["contribution_id"]), event)
            if found is not None:
                await _save(tx, found, moved=True)


def author_key(doc: dict[str, Any]) -> str:
    """A contribution's key among its author's: the instant it was sent, every
    one with its microseconds (so that keys sort as instants), then its id. Ids
    do not sort by sending: a form's token is made when the form is shown, a
    response's id is a hash (ADR 0134)."""
    at = parse_iso(doc["submitted_at"]).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{at}|{doc['id']}"


async def _save(tx: StoreTx, doc: dict[str, Any], *, moved: bool = False) -> None:
    await tx.put(CONTRIBUTIONS, ALL, doc["id"], doc)
    await tx.put(BY_AUTHOR, doc["author_id"], author_key(doc), doc)
    if moved:  # the key before ADR 0134, in a read model not rebuilt since: not twice
        await tx.delete(BY_AUTHOR, doc["author_id"], doc["id"])

