"""What the deposit service contributes to the composition root: its projection,
its command handlers (ports by keyword: `log`, `store`, `clock`, `meta`) and the
commands routed to its replicas in the distributed topology."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.deposit import commands as c
from services.deposit import handlers as h
from services.deposit import model
from services.deposit.projections import ContributionsProjection
from services.store.projection import Projection

Handler = Callable[..., Awaitable[Any]]

PROJECTIONS: tuple[Callable[[], Projection], ...] = (ContributionsProjection,)

HANDLERS: dict[type, Handler] = {
    c.SubmitProposal: h.submit_proposal,
    c.SubmitResponse: h.submit_response,
    c.SubmitArgument: h.submit_argument,
    c.SubmitComment: h.submit_comment,
    c.EditContribution: h.edit_contribution,
    c.WithdrawContribution: h.withdraw_contribution,
    c.SetContributionPolicy: h.set_contribution_policy,
}


def _by_contribution(command: Any) -> str:
    return str(command.contribution_id)


def _by_policy(command: c.SetContributionPolicy) -> str:
    return model.policy_stream(command.consultation_id)


# Every deposit command goes to the deposit replica owning its partition (ADR 0038),
# keyed as the events it writes in deposit.events: a contribution's events (and its
# Idempotency-Key's record) by `data.contribution_id`, the policy by its stream.
ROUTED: dict[type, Callable[[Any], str]] = {
    **{kind: _by_contribution for kind in (
        c.SubmitProposal, c.SubmitResponse, c.SubmitArgument, c.SubmitComment,
        c.EditContribution, c.WithdrawContribution)},
    c.SetContributionPolicy: _by_policy,
}

# Each reads streams another deposit replica writes (the proposal an argument
# answers, the comment's parent, the consultation's contribution policy).
ROUTED_READS: dict[type, tuple[str, ...]] = {kind: ("deposit.events",) for kind in ROUTED}
