"""Public comments on a proposal page (read model `moderation.public_comments`):
published per the moderation policy recorded with each comment, escaped,
masked when a moderator masks them, paginated oldest first."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from harness.consultations import ORGANISER, publish
from harness.web import app_client, catch_up, make_container, make_deps

from services.consultation.commands import PhaseSpec
from services.core.participants import ModeratorContext, ParticipantContext
from services.deposit.commands import SubmitComment, SubmitProposal
from services.moderation.commands import ClaimItem, Decide, MaskPersonalData
from services.runtime.bootstrap import Container
from services.web.app import create_web_app

MODERATOR = ModeratorContext("p-moderator")
ALICE = ParticipantContext("p-alice", "email")
BOB = ParticipantContext("p-bob", "email")


class Site:
    def __init__(self, container: Container, app: object) -> None:
        self.container = container
        self.app = app

    def public(self) -> httpx.AsyncClient:
        return app_client(self.app)

    async def send(self, command: object) -> None:
        await self.container.handle(command, ORGANISER)
        await catch_up(self.container)

    async def decide(self, cid: str, contribution_id: str, decision: str,
                     reason: str = "conforme") -> None:
        await self.send(ClaimItem(contribution_id, cid, MODERATOR))
        await self.send(Decide(contribution_id, cid, MODERATOR, decision, reason))

    async def proposal(self, cid: str, pid: str) -> None:
        await self.send(SubmitProposal(pid, cid, ALICE, "Des bus le dimanche",
                                       "Faire circuler les bus le dimanche.", "", ""))


async def _consultation(site: Site, cid: str, moderation: str) -> None:
    now = datetime.now(UTC)
    await publish(site.container, ORGANISER, cid, f"Consultation {cid}", cid, PhaseSpec(
        "depot", "deposit", "Dépôt", now - timedelta(hours=1), now + timedelta(days=5)),
        moderation=moderation)
    await catch_up(site.container)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    container = make_container()
    async with container:
        s = Site(container, create_web_app(make_deps(container, page_size=2)))
        await _consultation(s, "avant", "pre")
        await _consultation(s, "apres", "post")
        yield s


def comments_of(html: str) -> list[str]:
    block = html.split('id="commentaires"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<p class="fr-mb-0">(.*?)</p>', block)


async def test_pre_moderated_comment_shows_once_approved_escaped(site: Site) -> None:
    await site.proposal("avant", "p1")
    await site.decide("avant", "p1", "approved")
    await site.send(SubmitComment("c1", "p1", BOB, "Et <b>le soir</b> aussi ?"))
    await site.send(SubmitComment("c2", "p1", BOB, "Hors sujet total."))
    url = "/consultations/avant/propositions/p1"
    async with site.public() as public:
        assert comments_of((await public.get(url)).text) == []
        await site.decide("avant", "c1", "approved")
        await site.decide("avant", "c2", "rejected", "hors_sujet")
        page = (await public.get(url)).text
    assert comments_of(page) == ["Et &lt;b&gt;le soir&lt;/b&gt; aussi ?"]
    assert "<b>le soir" not in page


async def test_post_moderated_comment_shows_until_hidden(site: Site) -> None:
    await site.proposal("apres", "p2")
    await site.send(SubmitComment("c3", "p2", BOB, "Bonne idée pour les familles."))
    url = "/consultations/apres/propositions/p2"
    async with site.public() as public:
        assert comments_of((await public.get(url)).text) == ["Bonne idée pour les familles."]
        await site.decide("apres", "c3", "hidden", "hors_sujet")
        assert comments_of((await public.get(url)).text) == []


async def test_masked_comment_replaces_the_original(site: Site) -> None:
    await site.proposal("apres", "p3")
    await site.send(SubmitComment("c4", "p3", BOB, "Écrivez-moi, Bob Lemarchand : bob@example.org"))
    async with site.public() as public:
        page = (await public.get("/consultations/apres/propositions/p3")).text
    assert "bob@example.org" not in page and "[courriel masqué]" in page  # redacted at deposit
    await site.send(ClaimItem("c4", "apres", MODERATOR))
    await site.send(MaskPersonalData("c4", "apres", MODERATOR,
                                     body="Écrivez-moi, [nom masqué] : [courriel masqué]"))
    async with site.public() as public:
        page = (await public.get("/consultations/apres/propositions/p3")).text
    assert "Lemarchand" not in page and "[nom masqué]" in page
    assert len(comments_of(page)) == 1


async def test_comments_are_paginated_oldest_first(site: Site) -> None:
    await site.proposal("apres", "p4")
    for i in range(1, 4):
        await site.send(SubmitComment(f"c5-{i}", "p4", BOB, f"Commentaire numéro {i}"))
    url = "/consultations/apres/propositions/p4"
    async with site.public() as public:
        first = (await public.get(url)).text
        assert comments_of(first) == ["Commentaire numéro 1", "Commentaire numéro 2"]
        link = re.search(r'href="([^"]*commentaires_apres=[^"#]*)', first)
        assert link, "no link to the next comments"
        second = (await public.get(link.group(1).replace("&amp;", "&"))).text
    assert comments_of(second) == ["Commentaire numéro 3"]
    assert "Premiers commentaires" in second
