"""« Votre contribution modifiée repasse par la modération » (the edit page's
promise, ADR 0135), over HTTP on the embedded platform: a pre-moderated proposal
approved, then edited by its author, leaves the public pages and the search until
a moderator approves the new text from the queue; a decision on the text the
moderator's page showed before the edit is refused."""

from __future__ import annotations

import httpx
from harness.consultations import open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.identity.commands import GrantRole
from services.identity.queries import roles_in
from services.web.deposit.views import contribution

C = "/consultations/c1"
FIRST = "Des pistes cyclables sûres le long des quais, séparées des voitures."
EDITED = "ACHETEZ MES MONTRES sur le site de ma boutique, des prix incroyables !"


async def team(p: Platform) -> dict[str, str]:
    await open_consultation(p, "c1", level="email", moderation="pre")
    people = {n: await participant(p, n) for n in ("Alice", "Modo", "Orga")}
    for name, role in (("Modo", "moderator"), ("Orga", "organiser")):
        await p.container.handle(GrantRole(people[name], "c1", role), SYSTEM)

    async def granted() -> bool:
        return "moderator" in await roles_in(p.container.store, people["Modo"], "c1") and \
            "organiser" in await roles_in(p.container.store, people["Orga"], "c1")
    await until(granted)
    async with session_client(p, people["Orga"]) as organiser:
        r = await post_form(organiser, "/admin/consultations/c1/contributions",
                            "/admin/consultations/c1/contributions", {"edit_minutes": "600"})
        assert r.status_code == 303, r.text
    return people


async def proposed(p: Platform, alice: httpx.AsyncClient) -> str:
    """Alice's proposal, once in the moderators' queue and among the deposit's
    contributions (its author's pages read them: two projections, either may lag)."""
    r = await alice.post("/api/consultations/c1/proposals",
                         headers={**await csrf_header(alice), "Idempotency-Key": "k1"},
                         json={"title": "Des pistes cyclables", "body": FIRST})
    assert r.status_code == 201, r.text
    pid = str(r.json()["id"])

    async def queued() -> bool:
        store = p.container.store
        return await store.get("moderation_items", "all", pid) is not None \
            and await contribution(store, pid) is not None
    await until(queued)
    return pid


async def approve(p: Platform, modo: str, pid: str) -> str:
    """Claim and approve from the item's page; returns the page the decision answered."""
    item = f"/admin/moderation/c1/elements/{pid}"
    async with session_client(p, modo) as moderator:
        r = await post_form(moderator, item, f"{item}/prise")
        assert r.status_code == 303, r.text
        r = await post_form(moderator, item, f"{item}/decision", {"decision": "approved"})
        return r.text if r.status_code != 303 else ""


async def shown(p: Platform, pid: str) -> str | None:
    async with session_client(p, None) as anonymous:
        page = await anonymous.get(f"{C}/propositions/{pid}")
        return page.text if page.status_code == 200 else None


async def test_an_approved_proposal_edited_by_its_author_waits_for_a_new_approval(
        platform: Platform) -> None:
    p = platform
    people = await team(p)
    async with session_client(p, people["Alice"]) as alice:
        pid = await proposed(p, alice)
        assert await approve(p, people["Modo"], pid) == ""
        await until(lambda: _shows(p, pid, FIRST))

        edit = f"{C}/contributions/{pid}/modifier"
        r = await post_form(alice, edit, edit, {"title": "Des pistes cyclables",
                                                "body": EDITED})
        assert r.status_code == 303, r.text

        async def back_in_the_queue() -> bool:
            item = await p.container.store.get("moderation_items", "all", pid)
            return item is not None and item["status"] == "pending"
        await until(back_in_the_queue)
        assert await shown(p, pid) is None  # neither the old text nor the new one
        mine = (await alice.get("/mes-contributions")).text
        assert "En attente de modération" in mine
    async with session_client(p, None) as anonymous:
        found = await anonymous.get(f"{C}/recherche", params={"q": "montres"})
        assert "MONTRES" not in found.text
    async with session_client(p, people["Modo"]) as moderator:
        queue = (await moderator.get("/admin/moderation/c1")).text
        assert pid in queue
        page = (await moderator.get(f"/admin/moderation/c1/elements/{pid}")).text
        assert "modifiée par son auteur" in page and "ACHETEZ MES MONTRES" in page

    assert await approve(p, people["Modo"], pid) == ""
    await until(lambda: _shows(p, pid, "ACHETEZ MES MONTRES"))


async def test_a_decision_on_the_text_shown_before_an_edit_is_refused(
        platform: Platform) -> None:
    p = platform
    people = await team(p)
    async with session_client(p, people["Alice"]) as alice:
        pid = await proposed(p, alice)
        item = f"/admin/moderation/c1/elements/{pid}"
        async with session_client(p, people["Modo"]) as moderator:
            read = await moderator.get(item)  # the moderator reads version 1...
            assert 'name="version_texte" value="1"' in read.text
            edit = f"{C}/contributions/{pid}/modifier"
            r = await post_form(alice, edit, edit, {"title": "Des pistes cyclables",
                                                    "body": EDITED})
            assert r.status_code == 303

            async def edited() -> bool:
                doc = await p.container.store.get("moderation_items", "all", pid)
                return doc is not None and doc["deposit_version"] == 2
            await until(edited)
            # ...and decides with the form of that page
            token = read.text.split('name="csrf_token" value="')[1].split('"')[0]
            await moderator.post(f"{item}/prise", data={"csrf_token": token})
            r = await moderator.post(f"{item}/decision", data={
                "csrf_token": token, "decision": "approved", "version_texte": "1"})
            assert r.status_code == 400 and "relisez-la avant de décider" in r.text
    assert await shown(p, pid) is None


async def _shows(p: Platform, pid: str, text: str) -> bool:
    page = await shown(p, pid)
    return page is not None and text in page
