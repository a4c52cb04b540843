"""The lean routes read their body from `receive` itself (ADR 0099): the
same bytes as Starlette's `Request.body()`, whatever the number of messages, and
the same refusal when the client leaves first."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import ClientDisconnect, Request

from services.apikit.lean_route import read_body

SCOPE: dict[str, Any] = {"type": "http", "method": "POST", "path": "/", "headers": [],
                         "query_string": b""}


def _request(*messages: dict[str, Any]) -> Request:
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    return Request(SCOPE, receive)


@pytest.mark.parametrize("messages", [
    [{"type": "http.request", "body": b'{"title": "Des pistes"}'}],
    [{"type": "http.request", "body": b'{"title": ', "more_body": True},
     {"type": "http.request", "body": b"", "more_body": True},
     {"type": "http.request", "body": b'"Des pistes"}', "more_body": False}],
    [{"type": "http.request"}],
])
async def test_the_body_is_the_one_starlette_reads(messages: list[dict[str, Any]]) -> None:
    ours = _request(*messages)
    body = await read_body(ours)
    assert body == await _request(*messages).body()
    assert await ours.body() == body  # kept on the request, as body() keeps it


async def test_a_client_gone_before_its_body_is_refused_as_by_starlette() -> None:
    gone: list[dict[str, Any]] = [{"type": "http.request", "body": b"{", "more_body": True},
                                  {"type": "http.disconnect"}]
    with pytest.raises(ClientDisconnect):
        await _request(*gone).body()
    with pytest.raises(ClientDisconnect):
        await read_body(_request(*gone))
