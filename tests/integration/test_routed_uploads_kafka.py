"""The commands carrying files go to the replica owning their partition too
(issue #16 item 1, ADR 0081): two HTTP fronts, each with its own Kafka log client
(its own writer index, as two processes), one consultation and one
synthesis_themes replica, on a private Tansu broker; the blob store is the
platform's folder, shared as the `parlons-files` volume is:

- a document form sent at once through both fronts with one one-time key (`cle`):
  both answer, the log holds one `DocumentAttached`, its bytes in the blob store;
- a Pol.is conversation's import (its files staged once) sent at once through
  both fronts: one conversation, the second answered as the first;
- the opinion groups published at once through both fronts: one publication.
Each was decided by its replica (its commands counter)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_of
from harness.planted_polis import planted_conversation
from harness.platform import SYSTEM, Platform
from harness.routing import admin_on_two_fronts, decided, platform_on_a_broker

from services.consultation.commands import PublishConsultation
from services.eventlog.port import read_all
from services.synthesis.conversations.handlers import ImportConversation, PublishOpinionGroups
from services.synthesis.polis.staging import stage_export

pytestmark = pytest.mark.kafka

JOIN_S = 30.0  # two groups joining on Tansu
TIMEOUT_S = 10.0
CID = "c-docs"
PDF = b"%PDF-1.7\n" + b"0" * 200
PROBES = (PublishConsultation("no-such-consultation"), PublishOpinionGroups("no-such"))


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with platform_on_a_broker(tmp_path, monkeypatch) as p:
        yield p








async def counted(p: Platform, topic: str) -> Counter[str]:
    return Counter([rec.event.type async for rec in read_all(p.container.log, topic)])


async def test_documents_imports_and_groups_are_decided_by_their_replicas(
        platform: Platform, tmp_path: Path) -> None:
    p = platform
    await open_consultation(p, CID, level="email")
    # a small conversation (about 300 events): the brexit one's 5,400 took 30 s on Tansu
    planted_conversation(tmp_path / "planted", participants=60, statements=8, groups=2)
    files = await stage_export(tmp_path / "planted", p.container.blobs)  # as the CLI does
    async with admin_on_two_fronts(p, ("consultation", "synthesis_themes"), PROBES,
                                   timeout_s=TIMEOUT_S, join_s=JOIN_S) as two_fronts:
        one, two, fronts = two_fronts.one, two_fronts.two, two_fronts.fronts
        page = f"/admin/consultations/{CID}/documents"
        shown = (await one.get(page)).text
        form = {"csrf_token": csrf_of(shown), "title": "Le dossier",
                "cle": re.findall(r'name="cle" value="([^"]+)"', shown)[0]}
        sent = await asyncio.gather(*(c.post(page, data=form, files={
            "file": ("dossier.pdf", PDF, "application/pdf")}) for c in (one, two)))
        assert [r.status_code for r in sent] == [303, 303], [r.text[:300] for r in sent]

        imports = await asyncio.gather(*(f.handle(ImportConversation(CID, files), SYSTEM)
                                         for f in fronts))
        assert [r["statements"] for r in imports] == [8, 8]
        assert [bool(r.get("already_imported")) for r in imports].count(True) == 1
        published = await asyncio.gather(*(f.handle(PublishOpinionGroups(CID), SYSTEM)
                                           for f in fronts))
        assert published[0] == published[1]
        organising, themes = two_fronts.replicas
        assert decided(organising, "AttachDocument") == 2
        assert decided(themes, "ImportConversation") == 2
        assert decided(themes, "PublishOpinionGroups") == 2
    documents = [rec.event async for rec in read_all(p.container.log, "consultation.events")
                 if rec.event.type == "consultation.DocumentAttached"]
    assert len(documents) == 1 and await p.container.blobs.get(
        documents[0].data["sha256"]) == PDF
    synthesis = await counted(p, "synthesis.events")
    assert synthesis["synthesis.ConversationImported"] == 1
    assert synthesis["synthesis.OpinionGroupsPublished"] == 1
