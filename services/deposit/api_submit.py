"""The lean route for submitting a proposal: `POST
/api/consultations/{consultation_id}/proposals` without FastAPI's router and
dependency solver (ADR 0075, services/apikit/lean_route.py).

Submitting is the hottest write of a deposit phase; through FastAPI it paid for
the match over every included router and for solving six dependencies. This
route calls the FastAPI route's gates in the same order -- the proposal rate
limit, then the participant (session, CSRF, proof of work, identity level), then
the handler, whose moderation checks run as before -- and answers the same 201,
`Location` and JSON. What it cannot read with certainty goes to the FastAPI route.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from services.apikit.deps import api_state, limit_action, participant_context, request_meta
from services.apikit.lean_route import Declined, LeanRoute, read_body, readable
from services.deposit.api import NewProposal
from services.deposit.commands import SubmitProposal
from services.deposit.ids import submission_id

PATH = "/api/consultations/{consultation_id}/proposals"


class LeanProposalRoute(LeanRoute):
    def __init__(self) -> None:
        super().__init__(PATH, _submit)


async def _submit(request: Request) -> Any:
    body = await read_body(request)
    proposal = readable(request, body, NewProposal)
    if proposal is None:
        return Declined(body)
    await limit_action(request, "proposal")
    who = await participant_context(request)
    key = request.headers["idempotency-key"]
    # The id derives from the participant and the key (ADR 0038): a retry, even
    # through another front, lands on the same contribution.
    cmd = SubmitProposal(submission_id(who.participant_id, key),
                         request.path_params["consultation_id"], who,
                         proposal.title, proposal.body, proposal.theme_id, proposal.territory,
                         request_key=key)
    created = await api_state(request).bus.handle(cmd, await request_meta())
    return Response(orjson.dumps({"id": created}), status_code=201,
                    media_type="application/json",
                    headers={"Location": f"/api/contributions/{created}"})

