"""« Mes données » (/compte/donnees.json) lists what the person did, not only
their profile (issue #19 item 5): it always listed empty contributions and
votes, because no service gave the export its share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from harness.consultations import AGREE, VOTE_CID, open_vote
from harness.forms import csrf_header
from harness.platform import Platform, open_platform, participant, session_client, until


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        yield p


async def test_the_export_lists_the_persons_contributions_and_ballots_only(
        platform: Platform) -> None:
    p = platform
    alix, bea = await participant(p, "Alix"), await participant(p, "Bea")
    for who, title in ((alix, "Des pistes cyclables continues"),
                       (bea, "Des bancs à l'ombre dans les parcs")):
        async with session_client(p, who) as client:
            headers = await csrf_header(client)
            sent = await client.post(
                f"/api/consultations/{VOTE_CID}/proposals",
                json={"title": title, "body": "Une proposition détaillée pour le quartier."},
                headers={**headers, "Idempotency-Key": f"prop-{who}"})
            assert sent.status_code == 201, sent.text
            cast = await client.post("/api/items/item-0/ballot", json=AGREE,
                                     headers={**headers, "Idempotency-Key": f"vote-{who}"})
            assert cast.status_code == 200, cast.text

    async with session_client(p, alix) as client:
        async def exported() -> dict[str, Any] | None:
            data: dict[str, Any] = (await client.get("/compte/donnees.json")).json()
            return data if data["contributions"] and data["votes"] else None

        await until(exported)
        data = await exported()
    assert data is not None
    assert [c["title"] for c in data["contributions"]] == ["Des pistes cyclables continues"]
    assert [v["item_id"] for v in data["votes"]] == ["item-0"]
    assert "notifications" in data
    assert "Des bancs" not in str(data) and bea not in str(data)
