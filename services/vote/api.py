"""JSON API of the vote service.

Ballots need an `Idempotency-Key` header (the runtime's middleware replays the
first answer of a retry, ADR 0007). Who votes comes from the deposit service's
`participant_context` dependency (overridden by the identity wiring), or, for
tests and benchmarks only, from headers when PARLONS_VOTE_TRUST_PARTICIPANT_HEADER
is set (refused in production). Admin endpoints take a bearer token
(PARLONS_VOTE_ADMIN_TOKEN; unset = disabled).
"""

from __future__ import annotations

import functools
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from services.deposit.api import participant_context
from services.deposit.participant import ParticipantContext
from services.identity.limits import limit_contribution
from services.runtime.http import ContainerDep, MetaDep
from services.runtime.idempotency import KEY_MAX
from services.vote.commands import CastBallot, CastRanking, FreezeResults, WithdrawBallot
from services.vote.projections import BALLOTS, FROZEN, RANKINGS, TALLIES, tally_partition
from services.vote.recount import compare
from services.vote.settings import VoteSettings

PAGE_MAX = 200
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1,
                                        max_length=KEY_MAX)]


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


@functools.cache
def _settings() -> VoteSettings:
    return VoteSettings()


async def voter(request: Request) -> ParticipantContext:
    if _settings().trust_participant_header:
        pid = request.headers.get("X-Participant-Id")
        if pid:
            return ParticipantContext(pid, request.headers.get("X-Identity-Level", "anonymous"))
    return await participant_context(request)


Voter = Annotated[ParticipantContext, Depends(voter)]


def router() -> APIRouter:
    settings = _settings()
    if settings.trust_participant_header:
        import os

        if os.environ.get("PARLONS_ENVIRONMENT") == "production":
            raise RuntimeError("PARLONS_VOTE_TRUST_PARTICIPANT_HEADER is for tests only")

    def admin(authorization: Annotated[str, Header()] = "") -> None:
        token = settings.admin_token
        if not token or not hmac.compare_digest(authorization, f"Bearer {token}"):
            raise HTTPException(403, "Accès réservé aux administrateurs.")

    r = APIRouter(prefix="/api", tags=["vote"])

    @r.post("/items/{item_id}/ballot", dependencies=[Depends(limit_contribution)])
    async def cast(item_id: str, body: BallotIn, who: Voter, _key: IdempotencyKey,
                   container: ContainerDep, meta: MetaDep) -> dict[str, Any]:
        cmd = CastBallot(item_id, who, body.kind, body.choice, tuple(body.qualifications))
        result: dict[str, Any] = await container.handle(cmd, meta)
        return result

    @r.post("/items/{item_id}/ballot/withdraw", dependencies=[Depends(limit_contribution)])
    async def withdraw(item_id: str, body: WithdrawIn, who: Voter, _key: IdempotencyKey,
                       container: ContainerDep, meta: MetaDep) -> dict[str, Any]:
        result: dict[str, Any] = await container.handle(WithdrawBallot(item_id, who, body.kind),
                                                        meta)
        return result

    @r.post("/consultations/{consultation_id}/ranking", dependencies=[Depends(limit_contribution)])
    async def rank(consultation_id: str, body: RankingIn, who: Voter, _key: IdempotencyKey,
                   container: ContainerDep, meta: MetaDep) -> dict[str, Any]:
        cmd = CastRanking(consultation_id, who, tuple(body.items))
        result: dict[str, Any] = await container.handle(cmd, meta)
        return result

    @r.get("/me/ballots")
    async def my_ballots(
        who: Voter, container: ContainerDep,
        after: Annotated[str | None, Query(max_length=300)] = None,
        limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
    ) -> dict[str, Any]:
        rows = await container.store.list(BALLOTS, who.participant_id, limit=limit, after=after)
        return {"items": [doc for _, doc in rows if not doc.get("withdrawn")],
                "next": rows[-1][0] if len(rows) == limit else None}

    @r.get("/consultations/{consultation_id}/phases/{phase_id}/results")
    async def results(
        consultation_id: str, phase_id: str, container: ContainerDep,
        after: Annotated[str | None, Query(max_length=300)] = None,
        limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
    ) -> dict[str, Any]:
        """The frozen snapshot once the phase is closed and frozen, else the live tallies."""
        frozen = await container.store.get(FROZEN, consultation_id, phase_id)
        if frozen is not None:
            ids = sorted(frozen["tallies"])
            page = [i for i in ids if after is None or i > after][:limit]
            return {"frozen": True, "items": [frozen["tallies"][i] for i in page],
                    "ranking": frozen["rankings"],
                    "next": page[-1] if len(page) == limit else None}
        rows = await container.store.list(TALLIES, tally_partition(consultation_id, phase_id),
                                          limit=limit, after=after)
        ranking = await container.store.get(RANKINGS, consultation_id, phase_id)
        return {"frozen": False, "items": [doc for _, doc in rows], "ranking": ranking,
                "next": rows[-1][0] if len(rows) == limit else None}

    @r.post("/admin/vote/recount", dependencies=[Depends(admin)])
    async def recount(container: ContainerDep) -> dict[str, Any]:
        diffs = await compare(container.log, container.store)
        return {"differences": diffs, "ok": not diffs}

    @r.post("/admin/consultations/{consultation_id}/phases/{phase_id}/freeze",
            dependencies=[Depends(admin)])
    async def freeze(consultation_id: str, phase_id: str, container: ContainerDep,
                     meta: MetaDep) -> dict[str, Any]:
        result: dict[str, Any] = await container.handle(
            FreezeResults(consultation_id, phase_id), meta)
        return result

    return r
