"""What the deposit service contributes to the composition root: its projection
and its command handlers (ports by keyword: `log`, `store`, `clock`, `meta`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.deposit import commands as c
from services.deposit import handlers as h
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
