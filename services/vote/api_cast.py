"""The lean route for casting a ballot: `POST /api/items/{item_id}/ballot` without
FastAPI's router and dependency solver (ADR 0019 §5).

Casting is the hottest write of a consultation. Through FastAPI it paid for a
linear match over every included router (about forty candidates before the
vote router's) and for solving six dependencies, more than the handler itself.
This route sits first in the app's route list, inside every middleware
(correlation id and access log, body limit, idempotency, back-office guard,
security headers) and inside the exception handlers, so a refusal is answered
exactly as before. It calls the same gates in the same order as the FastAPI
route -- the contribution rate limit, then the voter (session, CSRF, proof of
work, identity level), then the handler -- and answers the same JSON.

It only takes requests it can read with certainty: a JSON body that is a valid
`BallotIn`, an `Idempotency-Key` of 1 to 200 characters, and an app without
dependency overrides (tests replace the voter that way). Anything else goes,
body replayed, to the FastAPI route, which gives the usual 422 with the field
named: one set of error messages, one place that defines them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Match, Route
from starlette.types import Message, Receive, Scope, Send

from services.apikit.deps import api_state, limit_action, request_meta
from services.apikit.idempotency import KEY_MAX
from services.vote.api import BallotIn, voter
from services.vote.commands import CastBallot

PATH = "/api/items/{item_id}/ballot"
_DECLINED = "parlons.lean_ballot_declined"  # scope key: route this request the usual way


class LeanBallotRoute(Route):
    """A hot route: the app factory puts it ahead of every router (it declines
    what it cannot read to the FastAPI route of the same path, so its place
    changes no answer, only the cost of finding it)."""

    def __init__(self) -> None:
        super().__init__(PATH, _cast, methods=["POST"])

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get(_DECLINED):
            return Match.NONE, {}
        return super().matches(scope)


async def _cast(request: Request) -> Any:
    body = await request.body()
    ballot = _readable(request, body)
    if ballot is None:
        return _Declined(body)
    await limit_action(request, "vote")
    who = await voter(request)
    cmd = CastBallot(request.path_params["item_id"], who, ballot.kind, ballot.choice,
                     tuple(ballot.qualifications))
    result: dict[str, Any] = await api_state(request).bus.handle(cmd, await request_meta())
    return JSONResponse(result)


def _readable(request: Request, body: bytes) -> BallotIn | None:
    if request.app.dependency_overrides:
        return None
    key = request.headers.get("idempotency-key")
    if key is None or not 0 < len(key) <= KEY_MAX:
        return None
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return None
    try:
        return BallotIn.model_validate_json(body)
    except ValidationError:
        return None


class _Declined:
    """An ASGI app: hands the request, body replayed, to the app's router again,
    marked so that this route does not match it a second time."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": self.body, "more_body": False}
            return await receive()

        await scope["router"]({**scope, _DECLINED: True}, replay, send)
