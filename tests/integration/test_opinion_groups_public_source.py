"""The public opinion groups page says when its groups are an imported Pol.is
conversation's: statements quoted as written there (English, for the Brexit
one), the consultation's own agree/disagree ballots left out (ADR 0138). Groups
of those ballots say nothing of the kind, nor do groups published from them
before a conversation was imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.consultations import VOTE_CID, open_consultation, open_vote
from harness.platform import SYSTEM, Platform, until

from services.core.participants import ParticipantContext
from services.synthesis.conversations.handlers import ImportConversation, PublishOpinionGroups
from services.synthesis.conversations.opinions_model import opinions_changed
from services.synthesis.conversations.projection import published_groups
from services.synthesis.polis.staging import stage_export
from services.vote.commands import CastBallot

BREXIT = Path(__file__).resolve().parents[1] / "data" / "polis" / "brexit-consensus"
SAID = "Ces groupes sont ceux d\u2019une conversation Pol.is importée"
LEFT_OUT = "Les votes « d\u2019accord / pas d\u2019accord » exprimés sur les propositions"


async def modelled(p: Platform, cid: str, events: int) -> None:
    async def there() -> bool:
        return await opinions_changed(p.container.store, cid) == events
    await until(there)


async def published_page(p: Platform, cid: str, before: dict[str, Any] | None = None) -> str:
    """Publishes the groups (as « Publier » does) and returns the public page once
    it shows them (other than `before`, the previous publication)."""
    await p.container.handle(PublishOpinionGroups(cid), SYSTEM)

    async def shown() -> bool:
        doc = await published_groups(p.container.store, cid)
        return doc is not None and doc != before
    await until(shown)
    page = await p.client().get(f"/consultations/{cid}/groupes-opinion")
    assert page.status_code == 200
    return page.text


async def ballots(p: Platform) -> int:
    """Two camps of six agree/disagree on the vote consultation's four proposals."""
    for n in range(12):
        who = ParticipantContext(f"p-voter{n}", "email")
        for item in range(4):
            choice = "agree" if (item < 2) == (n % 2 == 0) else "disagree"
            await p.container.handle(CastBallot(f"item-{item}", who, "agree", choice), SYSTEM)
    return 12 * 4


async def test_groups_of_an_imported_conversation_say_so(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    report = await p.container.handle(
        ImportConversation("c1", await stage_export(BREXIT, p.container.blobs)), SYSTEM)
    await modelled(p, "c1", 1 + report["statements"] + report["votes"])
    page = await published_page(p, "c1")
    assert SAID in page and LEFT_OUT in page and "en anglais" in page


async def test_groups_of_the_consultations_own_ballots_do_not(platform: Platform) -> None:
    p = platform
    await open_vote(p)
    events = await ballots(p)
    await modelled(p, VOTE_CID, events)
    page = await published_page(p, VOTE_CID)
    assert "Groupe A" in page and SAID not in page
    # a conversation imported since: the groups still shown are the ballots'
    report = await p.container.handle(
        ImportConversation(VOTE_CID, await stage_export(BREXIT, p.container.blobs)), SYSTEM)
    await modelled(p, VOTE_CID, events + 1 + report["statements"] + report["votes"])
    page = (await p.client().get(f"/consultations/{VOTE_CID}/groupes-opinion")).text
    assert "Groupe A" in page and SAID not in page
    before = await published_groups(p.container.store, VOTE_CID)
    assert before is not None
    assert SAID in await published_page(p, VOTE_CID, before)
