"""JSON API of the vote service.

Ballots need an `Idempotency-Key` header (the idempotency middleware replays the
first answer of a retry, ADR 0007). Who votes is the session's participant, or,
for tests and benchmarks only, the X-Participant-Id header when
PARLONS_VOTE_TRUST_PARTICIPANT_HEADER is set (refused in production). Admin
endpoints take a bearer token (PARLONS_VOTE_ADMIN_TOKEN; unset = disabled).
"""

from __future__ import annotations

import functools
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.apikit.authz import Checks, authorizes
from services.apikit.deps import (
    BusDep,
    IdempotencyKey,
    MetaDep,
    StateDep,
    StoreDep,
    participant_context,
    rate_limited,
)
from services.consultation.queries import public_or_404
from services.core.participants import ParticipantContext
from services.eventlog.port import EventLog
from services.vote.commands import (
    CastBallot,
    CastBudgetBallot,
    CastRanking,
    FreezeResults,
    WithdrawBallot,
)
from services.vote.projections import BALLOTS, FROZEN, RANKINGS, TALLIES, tally_partition
from services.vote.recount import compare
from services.vote.settings import VoteSettings

PAGE_MAX = 200

router = APIRouter(prefix="/api", tags=["vote"])
After = Annotated[str | None, Query(max_length=300)]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX)]


class BallotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=20)
    choice: str = Field(max_length=20)
    qualifications: list[str] = Field(default_factory=list, max_length=10)


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=20)


class RankingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[str] = Field(max_length=100)


class BudgetBallotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    envelope_id: str = Field(max_length=100)
    projects: list[str] = Field(max_length=100)  # empty: withdraw the ballot


@functools.cache
def _settings() -> VoteSettings:
    return VoteSettings()


# The session's participant (with its CSRF check), or the test-only header.
@authorizes(Checks.ROLE, Checks.CSRF)
async def voter(request: Request) -> ParticipantContext:
    if _settings().trust_participant_header:
        pid = request.headers.get("X-Participant-Id")
        if pid:
            return ParticipantContext(pid, request.headers.get("X-Identity-Level", "anonymous"))
    return await participant_context(request)


@authorizes(Checks.TOKEN)
async def admin(authorization: Annotated[str, Header()] = "") -> None:
    token = _settings().admin_token
    if not token or not hmac.compare_digest(authorization, f"Bearer {token}"):
        raise HTTPException(403, "Accès réservé aux administrateurs.")


Voter = Annotated[ParticipantContext, Depends(voter)]
Admin = Depends(admin)


@router.post("/items/{item_id}/ballot", dependencies=[rate_limited("vote")])
async def cast(item_id: str, body: BallotIn, who: Voter, _key: IdempotencyKey, bus: BusDep,
               meta: MetaDep) -> dict[str, Any]:
    cmd = CastBallot(item_id, who, body.kind, body.choice, tuple(body.qualifications))
    result: dict[str, Any] = await bus.handle(cmd, meta)
    return result


@router.post("/items/{item_id}/ballot/withdraw", dependencies=[rate_limited("vote")])
async def withdraw(item_id: str, body: WithdrawIn, who: Voter, _key: IdempotencyKey,
                   bus: BusDep, meta: MetaDep) -> dict[str, Any]:
    result: dict[str, Any] = await bus.handle(WithdrawBallot(item_id, who, body.kind), meta)
    return result


@router.post("/consultations/{consultation_id}/ranking", dependencies=[rate_limited("vote")])
async def rank(consultation_id: str, body: RankingIn, who: Voter, _key: IdempotencyKey,
               bus: BusDep, meta: MetaDep) -> dict[str, Any]:
    result: dict[str, Any] = await bus.handle(
        CastRanking(consultation_id, who, tuple(body.items)), meta)
    return result


@router.post("/consultations/{consultation_id}/budget", dependencies=[rate_limited("vote")])
async def budget_ballot(consultation_id: str, body: BudgetBallotIn, who: Voter,
                        _key: IdempotencyKey, bus: BusDep, meta: MetaDep) -> dict[str, Any]:
    """A participatory budget ballot (ADR 0067): over its envelope, a 400 whose
    French message gives the selection's total and the envelope."""
    result: dict[str, Any] = await bus.handle(
        CastBudgetBallot(consultation_id, who, body.envelope_id, tuple(body.projects)), meta)
    return result


@router.get("/me/ballots")
async def my_ballots(who: Voter, store: StoreDep, after: After = None,
                     limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50) -> dict[str, Any]:
    rows = await store.list(BALLOTS, who.participant_id, limit=limit, after=after)
    return {"items": [doc for _, doc in rows if not doc.get("withdrawn")],
            "next": rows[-1][0] if len(rows) == limit else None}


@router.get("/consultations/{consultation_id}/phases/{phase_id}/results")
async def results(consultation_id: str, phase_id: str, store: StoreDep, after: After = None,
                  limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50) -> dict[str, Any]:
    """The frozen snapshot once the phase is closed and frozen, else the live
    tallies; of a published consultation only (a draft's: 404, as its page)."""
    await public_or_404(store, consultation_id)
    frozen = await store.get(FROZEN, consultation_id, phase_id)
    if frozen is not None:
        ids = sorted(frozen["tallies"])
        page = [i for i in ids if after is None or i > after][:limit]
        return {"frozen": True, "items": [frozen["tallies"][i] for i in page],
                "ranking": frozen["rankings"],
                "next": page[-1] if len(page) == limit else None}
    rows = await store.list(TALLIES, tally_partition(consultation_id, phase_id),
                            limit=limit, after=after)
    ranking = await store.get(RANKINGS, consultation_id, phase_id)
    return {"frozen": False, "items": [doc for _, doc in rows], "ranking": ranking,
            "next": rows[-1][0] if len(rows) == limit else None}


@router.post("/admin/vote/recount", dependencies=[Admin])
async def recount(state: StateDep) -> dict[str, Any]:
    log = state.port("log", EventLog)
    if log is None:
        raise HTTPException(503, "Le journal n'est pas disponible.")
    diffs = await compare(log, state.store)
    return {"differences": diffs, "ok": not diffs}


@router.post("/admin/consultations/{consultation_id}/phases/{phase_id}/freeze",
             dependencies=[Admin])
async def freeze(consultation_id: str, phase_id: str, bus: BusDep,
                 meta: MetaDep) -> dict[str, Any]:
    result: dict[str, Any] = await bus.handle(FreezeResults(consultation_id, phase_id), meta)
    return result
