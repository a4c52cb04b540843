"""A front whose routed command gets no answer in time (ADR 0035) says so: 504,
`Retry-After`, a French message, and the Idempotency-Key's answer is not kept, so
the retry is run again and answered. The broker is replaced by a sender that
answers late once (the JSON API and the embedded platform, no Kafka needed)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from harness.consultations import AGREE, VOTE_CID, open_vote
from harness.forms import csrf_header, post_form
from harness.platform import Platform, open_platform, participant, session_client

from services.core.errors import CommandTimedOut, EventLogUnavailable
from services.runtime.command_codec import command_name, decode_command, encode_result
from services.runtime.command_routing import RemoteCommands, routes


class SilentOnce:
    """No answer to the first command; the second is run by the local handler,
    as the owning replica would."""

    def __init__(self, handle: Any, known: Mapping[str, type]) -> None:
        self.handle, self.known, self.sent = handle, known, 0

    async def send(self, topic: str, key: str, body: Mapping[str, Any], *,
                   start_within: float | None = None) -> dict[str, Any]:
        self.sent += 1
        if self.sent == 1:
            raise CommandTimedOut(topic, 0.1)
        command, meta = decode_command(body, self.known)
        return encode_result(await self.handle(command, meta=meta))


def _silent_once(p: Platform) -> SilentOnce:
    """The platform's routed commands sent through a sender silent the first time."""
    c = p.container
    known = {command_name(kind): kind for kind in routes()}
    sender = SilentOnce(lambda command, meta: c.handlers[type(command)](command, meta=meta),
                        known)
    c.remote = RemoteCommands(sender)
    return sender


async def test_no_answer_in_time_is_a_504_and_the_retry_is_answered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        voter = await participant(p, "Aude")
        sender = _silent_once(p)
        async with session_client(p, voter) as client:
            headers = {"Idempotency-Key": "k-1", **await csrf_header(client)}
            first = await client.post("/api/items/item-0/ballot", json=AGREE, headers=headers)
            assert first.status_code == 504, first.text
            assert first.headers["retry-after"] == "1"
            assert first.json()["error"] == "timeout"
            assert "pas reçu de réponse à temps" in first.json()["message"]
            again = await client.post("/api/items/item-0/ballot", json=AGREE, headers=headers)
            assert again.status_code == 200, again.text
            assert again.json()["status"] == "recorded"
        assert sender.sent == 2


async def test_a_page_form_gets_a_french_page_not_json_when_the_answer_is_late(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A person voting through the HTML form: the late answer (504) and the log out of
    # reach (503) are pages in French with Retry-After, as the JSON API's are JSON.
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        voter = await participant(p, "Aude")
        c = p.container
        _silent_once(p)
        async with session_client(p, voter) as client:
            late = await post_form(client, f"/vote/{VOTE_CID}", f"/vote/{VOTE_CID}/item-0",
                                   {"kind": "agree", "choice": "agree"})
            assert late.status_code == 504
            assert late.headers["content-type"].startswith("text/html")
            assert late.headers["retry-after"] == "1"
            assert "pas reçu de réponse à temps" in late.text and '"error"' not in late.text

            async def unavailable(*_: Any, **__: Any) -> Any:
                raise EventLogUnavailable("the disk is full")

            c.remote = None
            monkeypatch.setattr(c.log, "append", unavailable)
            down = await post_form(client, f"/vote/{VOTE_CID}", f"/vote/{VOTE_CID}/item-1",
                                   {"kind": "agree", "choice": "agree"})
            assert down.status_code == 503 and down.headers["retry-after"] == "1"
            assert down.headers["content-type"].startswith("text/html")
            assert "pas pu être enregistrée" in down.text and "disk" not in down.text
