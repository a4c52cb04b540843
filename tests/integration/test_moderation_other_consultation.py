"""A moderator of two consultations decides nothing about A's contribution
through B's back office (ADR 0133, amendment of 2026-12-08): the route answers 404
for an item of another consultation, and, in depth, the command carries B, the
consultation the route checked the role on, and its handler refuses it on the
contribution's own stream, whoever let it through: here a route whose lookup is
fooled by a read model saying B. Nothing is written either way, and the same
decision through A's pages goes through."""

from __future__ import annotations

from harness.consultations import open_consultation
from harness.forms import csrf_of, post_form
from harness.platform import SYSTEM, Platform, granted, participant, session_client, until

from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal
from services.moderation.queue import ALL, ITEMS

HIDE = {"decision": "hidden", "motif": "hors_sujet"}
REFUSED = "Cette contribution appartient à une autre consultation."


async def moderation_log(p: Platform) -> int:
    return len(await p.container.log.read("moderation.events", limit=100_000))


async def a_proposal_claimed_in_a(p: Platform, moderator: str) -> str:
    await p.container.handle(SubmitProposal(
        "prop-a", "ca", ParticipantContext("p-author", "email"), "Des pistes cyclables",
        "Partout, et sûres, le long des quais et des boulevards."), SYSTEM)

    async def queued() -> bool:
        doc = await p.container.store.get(ITEMS, ALL, "prop-a")
        return bool(doc and doc["kind"] and (doc["suggestions"] or doc["severity"] == 0))
    await until(queued, timeout=10)
    page = "/admin/moderation/ca/elements/prop-a"
    async with session_client(p, moderator) as client:
        claimed = await post_form(client, page, f"{page}/prise")
        assert claimed.status_code == 303, claimed.text

    async def shown() -> bool:
        doc = await p.container.store.get(ITEMS, ALL, "prop-a")
        return bool(doc and doc["claimed_by"] == moderator)
    await until(shown)
    return "prop-a"


async def test_a_decision_posted_under_b_on_a_s_contribution_is_refused(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "ca", level="email")
    await open_consultation(p, "cb", level="email")
    olga = await participant(p, "Olga")
    for cid in ("ca", "cb"):
        for role in ("organiser", "moderator"):
            await granted(p, olga, cid, role)
    item = await a_proposal_claimed_in_a(p, olga)
    before = await moderation_log(p)
    async with session_client(p, olga) as client:
        queue = await client.get("/admin/moderation/cb")
        assert queue.status_code == 200
        token = csrf_of(queue.text)
        under_b = f"/admin/moderation/cb/elements/{item}/decision"
        assert (await client.post(under_b, data={"csrf_token": token, **HIDE})
                ).status_code == 404  # the route's lookup
        assert await moderation_log(p) == before

        # A route that lets it through (here: the read model says B): the handler
        # compares B with the contribution's consultation in the log.
        async with p.container.store.transaction() as tx:
            doc = await tx.get(ITEMS, ALL, item)
            assert doc is not None
            await tx.put(ITEMS, ALL, item, {**doc, "consultation_id": "cb"})
        refused = await client.post(under_b, data={"csrf_token": token, **HIDE})
        assert refused.status_code == 400, refused.text
        assert REFUSED in refused.text
        assert await moderation_log(p) == before

        async with p.container.store.transaction() as tx:
            await tx.put(ITEMS, ALL, item, doc)
        page = f"/admin/moderation/ca/elements/{item}"
        decided = await post_form(client, page, f"{page}/decision", HIDE)
        assert decided.status_code == 303, decided.text
    assert await moderation_log(p) == before + 1
