"""Who an analyst is, for the analyst services (search, synthesis exports): the
same pattern as deposit's `participant_context` and moderation's
`moderator_context`. The identity service puts a provider on `app.state` that
reads the session and the `analyst` role (ADR 0013); without it nobody is an
analyst (403). Tests may override the dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

ANALYST_PROVIDER = "parlons_analyst_provider"
ANALYST_ROLES = frozenset({"analyst", "admin"})  # per consultation
MODERATOR_ROLES = frozenset({"moderator", "admin"})


@dataclass(frozen=True, slots=True)
class AnalystContext:
    analyst_id: str
    # The consultations this analyst may read; None: all of them (the bootstrap admin).
    consultation_ids: frozenset[str] | None

    def may_read(self, consultation_id: str) -> bool:
        return self.consultation_ids is None or consultation_id in self.consultation_ids


async def analyst_context(request: Request) -> AnalystContext:
    provide = getattr(request.app.state, ANALYST_PROVIDER, None)
    who = await provide(request) if provide is not None else None
    if not isinstance(who, AnalystContext):
        raise HTTPException(403, "Réservé aux analystes de la consultation.")
    return who


Analyst = Annotated[AnalystContext, Depends(analyst_context)]
