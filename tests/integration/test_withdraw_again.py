"""A withdrawal sent again (browser back, then « Oui, retirer ma contribution »
again) or its page opened again tells the author it was already withdrawn,
with the way to « Mes contributions » (before: the bare 404 page). Anyone else
still gets the 404 page: authorship is not disclosed."""

from __future__ import annotations

from harness.consultations import open_consultation
from harness.forms import csrf_header, csrf_of
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.deposit.commands import SetContributionPolicy


async def test_a_withdrawal_sent_again_says_it_was_already_withdrawn(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    await p.container.handle(SetContributionPolicy("c1", withdraw_allowed=True), SYSTEM)
    alice, bruno = await participant(p, "Alice"), await participant(p, "Bruno")
    async with session_client(p, alice) as client, session_client(p, bruno) as other:
        r = await client.post("/api/consultations/c1/proposals",
                              headers={**await csrf_header(client), "Idempotency-Key": "k1"},
                              json={"title": "Des pistes cyclables",
                                    "body": "Des pistes cyclables partout, séparées."})
        assert r.status_code == 201, r.text
        withdraw = f"/consultations/c1/contributions/{r.json()['id']}/retirer"

        async def offered() -> bool:
            return (await client.get(withdraw)).status_code == 200
        await until(offered)
        token = csrf_of((await client.get(withdraw)).text)  # the page, kept open
        first = await client.post(withdraw, data={"csrf_token": token})
        assert first.status_code == 303
        again = await client.post(withdraw, data={"csrf_token": token})
        opened = await client.get(withdraw)
        for page in (again, opened):
            assert page.status_code == 200
            assert "Vous avez déjà retiré cette contribution" in page.text
            assert 'href="/mes-contributions"' in page.text
            assert "Oui, retirer ma contribution" not in page.text
        assert (await other.get(withdraw)).status_code == 404
        assert (await other.post(withdraw, data={
            "csrf_token": csrf_of((await other.get("/connexion")).text)})).status_code == 404
