"""Search's and identity's commands go to the replica owning their partition
(issue #16 item 1, ADR 0085): two HTTP fronts, each with its own Kafka log client
(its own writer index, as two processes), one search and one identity replica, on
a private Tansu broker:

- a saved search's form sent at once through both fronts with one one-time key
  (`cle`): both answer, the log holds one `SearchSaved`; its deletion then
  through the other front leaves the list empty, the stream at versions 1, 2;
- sign-ins and role changes of one participant sent at once through both
  fronts, and a profile's change (its vault part at the front, its record routed,
  ADR 0145): the participant's stream holds versions 1..n, none twice.
Each was decided by its replica (its commands counter)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_of
from harness.platform import SYSTEM, Platform, participant, until
from harness.routing import admin_on_two_fronts, decided, platform_on_a_broker

from services.eventlog.port import read_all
from services.identity.commands import (
    ChangeProfile,
    GrantRole,
    RecordProfileChange,
    RecordSignIn,
    RevokeRole,
)
from services.search.saved import SAVED, DeleteSavedSearch

pytestmark = pytest.mark.kafka

JOIN_S = 30.0  # two groups joining on Tansu
TIMEOUT_S = 10.0
CID = "c-analyse"
BASE = f"/admin/analyse/{CID}"
PROBES = (DeleteSavedSearch("no-such-search", CID), RecordSignIn("no-such-participant",
                                                                  "magic_link"))


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with platform_on_a_broker(tmp_path, monkeypatch) as p:
        yield p








async def versions_of(p: Platform, topic: str, stream: str) -> list[tuple[int, str]]:
    return [(rec.event.stream_version, rec.event.type)
            async for rec in read_all(p.container.log, topic) if rec.event.stream == stream]


async def test_saved_searches_sign_ins_and_roles_are_decided_by_their_replicas(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, CID, level="email")
    aude = await participant(p, "Aude")
    async with admin_on_two_fronts(p, ("search", "identity"), PROBES, timeout_s=TIMEOUT_S,
                                   join_s=JOIN_S) as two_fronts:
        one, two, fronts = two_fronts.one, two_fronts.two, two_fronts.fronts
        shown = (await one.get(BASE)).text
        key = re.findall(r'name="cle" value="([^"]+)"', shown)[0]
        form = {"csrf_token": csrf_of(shown), "cle": key, "name": "Les parcs",
                "params": "q=parcs"}
        sent = await asyncio.gather(*(c.post(f"{BASE}/recherches", data=form)
                                      for c in (one, two)))
        assert [r.status_code for r in sent] == [303, 303], [r.text[:300] for r in sent]
        gone = await two.post(f"{BASE}/recherches/{key}/suppression",
                              data={"csrf_token": form["csrf_token"]})
        assert gone.status_code == 303, gone.text[:300]

        # one participant's sign-ins and role changes, at once through both fronts
        sign_ins = [f.handle(RecordSignIn(aude, "magic_link"), SYSTEM)
                    for f in fronts for _ in range(3)]
        await asyncio.gather(*sign_ins)
        await asyncio.gather(*(f.handle(GrantRole(aude, CID, "analyst"), SYSTEM)
                               for f in fronts))
        await fronts[1].handle(RevokeRole(aude, CID, "analyst"), SYSTEM)
        # a profile's change: the vault's at the front (not routed, ADR 0145), its
        # record by the replica, at once with sign-ins through the other front
        changed = await fronts[0].handle(ChangeProfile(aude, "Aude Nouvelle", "13001"), SYSTEM)
        assert changed == ("pseudonym", "postcode")
        await asyncio.gather(fronts[0].handle(RecordProfileChange(aude, changed), SYSTEM),
                             fronts[1].handle(RecordSignIn(aude, "magic_link"), SYSTEM))
        searching, identifying = two_fronts.replicas
        assert decided(searching, "SaveSearch") == 2
        assert decided(searching, "DeleteSavedSearch") == 1
        assert decided(identifying, "RecordSignIn") == 7
        assert decided(identifying, "RecordProfileChange") == 1
        assert decided(identifying, "GrantRole") == 2

    saved = await versions_of(p, "search.events", f"searchsaved-{key}")
    assert saved == [(1, "search.SearchSaved"), (2, "search.SavedSearchDeleted")], saved

    async def list_empty() -> bool:
        return not await p.container.store.list(SAVED, CID, limit=10)
    await until(list_empty, timeout=TIMEOUT_S)
    versions = [v for v, _ in await versions_of(p, "identity.events", f"identity-{aude}")]
    assert versions == list(range(1, len(versions) + 1)), versions
    # registered, seven sign-ins, granted once (the second grant finds it held),
    # revoked, the profile's change
    assert len(versions) == 1 + 7 + 1 + 1 + 1
