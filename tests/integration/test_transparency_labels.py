"""The public transparency page and the author's « Mes contributions » name every
reason by its label, even one the organisers have since removed from the
charter: they showed the raw code (« hors_sujet 1 ») once the reason left it."""

from __future__ import annotations

import re

from harness.consultations import open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import Platform, granted, participant, session_client, until


async def test_a_reason_removed_from_the_charter_keeps_its_label(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="pre")
    author, modo, orga = [await participant(p, n) for n in ("Auteur", "Modo", "Orga")]
    await granted(p, modo, "c1", "moderator")
    await granted(p, orga, "c1", "organiser")
    async with session_client(p, author) as client:
        r = await client.post("/api/consultations/c1/proposals",
                              headers={**await csrf_header(client), "Idempotency-Key": "k1"},
                              json={"title": "Une idée", "body": "Une idée sans rapport avec le "
                                                              "sujet de la consultation."})
        assert r.status_code == 201, r.text
        proposal = r.json()["id"]

    async def queued() -> bool:
        return await p.container.store.get("moderation_items", "all", proposal) is not None
    await until(queued, timeout=10)
    page = f"/admin/moderation/c1/elements/{proposal}"
    async with session_client(p, modo) as moderator:
        assert (await post_form(moderator, page, f"{page}/prise")).status_code == 303
        r = await post_form(moderator, page, f"{page}/decision",
                            {"decision": "hidden", "motif": "hors_sujet"})
        assert r.status_code == 303, r.text
    public = "/consultations/c1/transparence"

    async def counted() -> bool:
        shown = await p.client().get(public)
        return bool(re.search(r"<td>Hors sujet</td><td>1</td>", shown.text))
    await until(counted)
    charter = "/admin/moderation/c1/charte"
    async with session_client(p, orga) as organiser:
        r = await post_form(organiser, charter, charter, {"charte": "troll : Trollage"})
        assert r.status_code == 303, r.text

    async def replaced() -> bool:
        doc = await p.container.store.get("moderation_charters", "all", "c1")
        return doc is not None and [r["code"] for r in doc["reasons"]] == ["troll"]
    await until(replaced)
    shown = (await p.client().get(public)).text
    assert re.search(r"<td>Hors sujet</td><td>1</td>", shown), shown
    assert "hors_sujet" not in shown
    # the moderation service's own transparency page too
    other = (await p.client().get("/moderation/c1/transparence")).text
    assert "Hors sujet" in other and "hors_sujet" not in other
    async with session_client(p, author) as client:
        mine = (await client.get("/mes-contributions")).text
        assert "Motif : Hors sujet" in mine and "hors_sujet" not in mine
