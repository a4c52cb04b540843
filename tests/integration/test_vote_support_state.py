"""The vote sequence and supports, without JavaScript: an item one supports says
so, with « Retirer mon soutien », and the page confirms each ballot; in a phase
offering both kinds, the support can go with the agree vote (the voted item leaves
the sequence, and its « Je soutiens » button with it)."""

from __future__ import annotations

from harness.consultations import VOTE_CID, open_vote
from harness.forms import post_form
from harness.platform import Platform, participant, session_client, until

from services.vote.projections import BALLOTS

SEQUENCE = f"/vote/{VOTE_CID}"


async def ballots(p: Platform, who: str) -> dict[str, bool]:
    """The participant's ballots by key: True while standing."""
    return {k: not d.get("withdrawn") for k, d in await p.container.store.list(BALLOTS, who)}


async def test_a_support_shows_then_is_withdrawn_from_the_sequence(platform: Platform) -> None:
    p = platform
    await open_vote(p)
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        r = await post_form(client, SEQUENCE, f"{SEQUENCE}/item-1",
                            {"kind": "support", "choice": "support"})
        assert r.status_code == 303 and r.headers["location"] == f"{SEQUENCE}?vote=soutien"
        page = (await client.get(r.headers["location"])).text
        assert "Votre soutien est enregistré." in page
        card = page.split("Proposition 1</h2>")[1].split("fr-card__title")[0]
        assert "Vous soutenez cette proposition" in card and "Retirer mon soutien" in card
        assert "Je soutiens aussi" not in card
        r = await post_form(client, SEQUENCE, f"{SEQUENCE}/item-1",
                            {"kind": "support", "choice": "retirer"})
        assert r.headers["location"] == f"{SEQUENCE}?vote=retrait"

        async def withdrawn() -> bool:
            return (await ballots(p, anne)).get("vote|support|item-1") is False
        await until(withdrawn)
        page = (await client.get(r.headers["location"])).text
        assert "Votre soutien est retiré." in page
        card = page.split("Proposition 1</h2>")[1].split("fr-card__title")[0]
        assert "Vous soutenez" not in card and ">Je soutiens</button>" in card


async def test_a_support_sent_with_the_agree_vote(platform: Platform) -> None:
    p = platform
    await open_vote(p)
    bruno = await participant(p, "Bruno")
    async with session_client(p, bruno) as client:
        page = (await client.get(SEQUENCE)).text
        assert 'name="soutien" value="oui"' in page
        r = await post_form(client, SEQUENCE, f"{SEQUENCE}/item-2",
                            {"kind": "agree", "choice": "agree", "soutien": "oui"})
        assert r.headers["location"] == f"{SEQUENCE}?vote=accord-soutien"

        async def both() -> bool:
            mine = await ballots(p, bruno)
            return mine.get("vote|agree|item-2") is True and \
                mine.get("vote|support|item-2") is True
        await until(both)
        assert "Votre vote et votre soutien sont enregistrés." in (
            await client.get(r.headers["location"])).text
