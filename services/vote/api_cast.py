"""The lean route for casting a ballot: `POST /api/items/{item_id}/ballot` without
FastAPI's router and dependency solver (ADR 0019 §5, services/apikit/lean_route.py).

Casting is the hottest write of a consultation. Through FastAPI it paid for a
linear match over every included router (about forty candidates before the
vote router's) and for solving six dependencies, more than the handler itself.
This route calls the same gates in the same order as the FastAPI route -- the
contribution rate limit, then the voter (session, CSRF, proof of work, identity
level), then the handler -- and answers the same JSON (serialised by orjson).
What it cannot read with certainty goes to the FastAPI route.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from services.apikit.deps import api_state, limit_action, request_meta
from services.apikit.lean_route import Declined, LeanRoute, read_body, readable
from services.vote.api import BallotIn, voter
from services.vote.commands import CastBallot

PATH = "/api/items/{item_id}/ballot"


class LeanBallotRoute(LeanRoute):
    def __init__(self) -> None:
        super().__init__(PATH, _cast)


async def _cast(request: Request) -> Any:
    body = await read_body(request)
    ballot = readable(request, body, BallotIn)
    if ballot is None:
        return Declined(body)
    await limit_action(request, "vote")
    who = await voter(request)
    cmd = CastBallot(request.path_params["item_id"], who, ballot.kind, ballot.choice,
                     tuple(ballot.qualifications))
    result: dict[str, Any] = await api_state(request).bus.handle(cmd, await request_meta())
    return Response(orjson.dumps(result), media_type="application/json")
