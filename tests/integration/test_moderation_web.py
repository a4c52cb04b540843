"""The moderation back office over HTTP (embedded platform on SQLite): the
queue by severity with explained suggestions, claim, masking with the proposed
text, decisions with the charter's reasons, an appeal decided by a second
moderator, a bulk decision on a campaign, the charter editor and the public
transparency page. Forms only (no JavaScript), CSRF on every POST."""

from __future__ import annotations

import re

from harness.consultations import open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.identity.commands import GrantRole
from services.identity.queries import roles_in

PLAIN = "Des pistes cyclables sûres le long des quais, séparées des voitures."
PRIVATE = "Écrivez-moi, Jean Dupont, à jean.dupont@exemple.fr ou au 06 12 34 56 78."
CAMPAIGN = ("Nous demandons la gratuité totale des transports en commun pour tous les "
            "habitants de la métropole, dès la rentrée prochaine, sans condition.")


async def deposit(p: Platform, author: str, texts: list[str]) -> list[str]:
    ids = []
    async with session_client(p, author) as client:
        headers = await csrf_header(client)
        for n, body in enumerate(texts):
            r = await client.post("/api/consultations/c1/proposals",
                                  headers={**headers, "Idempotency-Key": f"{author}-{n}"},
                                  json={"title": f"Idée {n}", "body": body})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
    return ids


async def team(p: Platform) -> dict[str, str]:
    await open_consultation(p, "c1", level="email", moderation="pre")
    people = {n: await participant(p, n) for n in ("Auteur", "Modo", "Modo2", "Orga")}
    for name, role in (("Modo", "moderator"), ("Modo2", "moderator"), ("Orga", "organiser")):
        await p.container.handle(GrantRole(people[name], "c1", role), SYSTEM)

    async def granted() -> bool:
        return "organiser" in await roles_in(p.container.store, people["Orga"], "c1")
    await until(granted)
    return people


async def checked(p: Platform, ids: list[str]) -> None:
    async def done() -> bool:
        docs = await p.container.store.get_many("moderation_items", "all", ids)
        return len(docs) == len(ids) and all(d["kind"] for d in docs.values()) and all(
            d["suggestions"] or d["severity"] == 0 for d in docs.values())
    await until(done, timeout=10)


async def test_queue_claim_mask_decide_appeal_and_transparency(platform: Platform) -> None:
    p = platform
    people = await team(p)
    plain, private = await deposit(p, people["Auteur"], [PLAIN, PRIVATE])
    await checked(p, [plain, private])

    async def severity_known() -> bool:
        doc = await p.container.store.get("moderation_items", "all", private)
        return bool(doc and doc["severity"] == 1)
    await until(severity_known, timeout=10)
    base = "/admin/moderation/c1"
    async with session_client(p, people["Modo"]) as modo:
        queue = await modo.get(base)
        assert queue.status_code == 200
        assert queue.text.index(private) < queue.text.index(plain)  # most severe first
        assert "Données personnelles retirées au dépôt" in queue.text  # the explanation
        item = await modo.get(f"{base}/elements/{private}")
        assert "jean.dupont@exemple.fr" not in item.text  # never written (ADR 0044)
        assert "[courriel masqué]" in item.text
        shown = re.search(r'<textarea[^>]*name="texte"[^>]*>([^<]*)</textarea>', item.text)
        assert shown and "Jean Dupont" in shown.group(1)  # what no check can recognise
        masked = shown.group(1).replace("Jean Dupont", "[nom masqué]")
        refused = await post_form(modo, f"{base}/elements/{private}", f"{base}/elements/{private}/"
                                  "masquage")
        assert refused.status_code == 400 and "Prenez d" in refused.text  # claim first
        page = f"{base}/elements/{private}"
        assert (await post_form(modo, page, f"{page}/prise")).status_code == 303
        r = await post_form(modo, page, f"{page}/masquage", {"texte": masked})
        assert r.status_code == 303, r.text
        r = await post_form(modo, page, f"{page}/decision", {"decision": "approved"})
        assert r.status_code == 303, r.text
        page = f"{base}/elements/{plain}"
        await post_form(modo, page, f"{page}/prise")
        bad = await post_form(modo, page, f"{page}/decision", {"decision": "hidden",
                                                               "motif": "inconnu"})
        assert bad.status_code == 400 and "charte" in bad.text
        r = await post_form(modo, page, f"{page}/decision", {"decision": "hidden",
                                                             "motif": "hors_sujet"})
        assert r.status_code == 303, r.text
        no_csrf = await modo.post(f"{page}/prise", data={})
        assert no_csrf.status_code == 403
    async def counted() -> bool:  # the projections run in the background
        page = await p.client().get("/moderation/c1/transparence")
        return page.status_code == 200 and bool(re.search(r"Hors sujet</td><td>1<", page.text))
    await until(counted)
    public = await p.client().get("/api/consultations/c1/proposals")
    bodies = [i["body"] for i in public.json()["items"]]
    assert bodies and "Dupont" not in " ".join(bodies) and PLAIN not in bodies

    async with session_client(p, people["Auteur"]) as author:
        r = await author.post(f"/api/contributions/{plain}/appeal",
                              headers={**await csrf_header(author), "Idempotency-Key": "a1"},
                              json={"text": "Ma proposition est dans le sujet."})
        assert r.status_code == 204, r.text

    async def appealed() -> bool:
        doc = await p.container.store.get("moderation_items", "all", plain)
        return bool(doc and doc["appeal"])
    await until(appealed)
    page = f"{base}/elements/{plain}"
    async with session_client(p, people["Modo"]) as modo:
        same = await post_form(modo, page, f"{page}/recours", {"issue": "overturned"})
        assert same.status_code == 400 and "autre modérateur" in same.text
    async with session_client(p, people["Modo2"]) as second:
        r = await post_form(second, page, f"{page}/recours", {"issue": "overturned"})
        assert r.status_code == 303, r.text

    async def overturned() -> bool:
        page = await p.client().get("/moderation/c1/transparence")
        return "Aucune contribution masquée ni refusée" in page.text
    await until(overturned)


async def test_bulk_decision_on_a_campaign_group(platform: Platform) -> None:
    p = platform
    people = await team(p)
    texts = [CAMPAIGN + suffix for suffix in ("", " Merci.", " Vraiment !", " Signé : un usager.")]
    ids = await deposit(p, people["Auteur"], [*texts, PLAIN])
    await checked(p, ids)

    async def grouped() -> bool:
        docs = await p.container.store.get_many("moderation_items", "all", ids[:4])
        groups = {d["campaign_group_id"] for d in docs.values()}
        return len(groups) == 1 and "" not in groups
    await until(grouped, timeout=10)
    group = (await p.container.store.get("moderation_items", "all", ids[0]))["campaign_group_id"]
    page = f"/admin/moderation/c1/campagnes/{group}"
    async with session_client(p, people["Modo"]) as modo:
        shown = await modo.get(page)
        assert shown.status_code == 200 and shown.text.count("/elements/") == 4
        r = await post_form(modo, page, page, {"decision": "rejected", "motif": "campagne"})
        assert r.status_code == 303 and r.headers["location"].endswith("decidees=4")

    async def decided() -> bool:
        docs = await p.container.store.get_many("moderation_items", "all", ids)
        return [docs[i]["status"] for i in ids] == ["rejected"] * 4 + ["pending"]
    await until(decided)
    async with session_client(p, people["Orga"]) as orga:  # an organiser does not moderate
        assert (await orga.get(page)).status_code == 403


async def test_organisers_edit_the_charter_and_moderators_cannot(platform: Platform) -> None:
    p = platform
    people = await team(p)
    page = "/admin/moderation/c1/charte"
    async with session_client(p, people["Orga"]) as orga:
        shown = await orga.get(page)
        assert shown.status_code == 200 and "hors_sujet : Hors sujet" in shown.text
        bad = await post_form(orga, page, page, {"charte": "hors sujet sans deux-points"})
        assert bad.status_code == 400 and "Ligne 1" in bad.text
        r = await post_form(orga, page, page,
                            {"charte": "troll : Trollage\nhors_sujet : Hors sujet"})
        assert r.status_code == 303, r.text
        assert "troll : Trollage" in (await orga.get(page)).text
    async with session_client(p, people["Modo"]) as modo:
        assert (await modo.get(page)).status_code == 403
        assert (await modo.get("/admin/moderation/c1")).status_code == 200
    async with session_client(p, people["Auteur"]) as author:
        assert (await author.get("/admin/moderation/c1")).status_code == 403
