"""Linking proposals to a follow-up response by searching their titles (issue
#18 item 6): the organiser's form lists the published proposals matching the
words typed, with checkboxes, and keeps what was typed and ticked; no internal
id to type; searching stores nothing; a hidden proposal is never offered."""

from __future__ import annotations

import re

from harness.consultations import open_consultation
from harness.forms import csrf_header, csrf_of
from harness.platform import Platform, granted, participant, session_client, until

SUITES = "/admin/consultations/c1/suites"


async def test_the_organiser_picks_proposals_by_their_titles(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    author, orga = await participant(p, "Auteur"), await participant(p, "Orga")
    await granted(p, orga, "c1", "organiser")
    ids = {}
    async with session_client(p, author) as client:
        for n, title in enumerate(("Un parc au bord du canal", "Des vélos en libre-service",
                                   "Un second parc <b>fleuri</b>")):
            r = await client.post("/api/consultations/c1/proposals",
                                  headers={**await csrf_header(client),
                                           "Idempotency-Key": f"k{n}"},
                                  json={"title": title, "body": "Pour tout le quartier."})
            assert r.status_code == 201, r.text
            ids[title] = r.json()["id"]
    parc, velos, fleuri = ids.values()

    async with session_client(p, orga) as client:
        page = await client.get(SUITES)
        assert page.status_code == 200 and "identifiants" not in page.text
        token = csrf_of(page.text)
        typed = {"csrf_token": token, "cle": "cle-1", "title": "Deux parcs en 2027",
                 "body": "Le conseil a voté les parcs.", "status": "adopted"}

        async def search(words: str, ticked: tuple[str, ...] = ()) -> str:
            r = await client.post(SUITES, data={**typed, "recherche": words,
                                                "action": "chercher",
                                                "proposal_ids": list(ticked)})
            assert r.status_code == 200, r.text[-2000:]
            return r.text

        async def offered() -> bool:
            html = await search("parc")
            return f'value="{parc}"' in html and f'value="{fleuri}"' in html
        await until(offered, timeout=10)  # once the search index has them
        html = await search("parc")
        assert f'value="{velos}"' not in html  # only the matches
        assert "Un second parc &lt;b&gt;fleuri&lt;/b&gt;" in html  # escaped
        assert "Deux parcs en 2027" in html and "Le conseil a voté les parcs." in html  # kept
        assert re.search(r'name="recherche" value="parc"', html)
        found = await search("vélo", ticked=(parc,))
        assert f'value="{velos}"' in found
        assert re.search(rf'value="{parc}" checked', found)  # the ticked one stays ticked
        assert "Un parc au bord du canal" in found
        none = await search("piscine")
        assert "Aucune autre proposition publiée ne correspond." in none
        empty = await search("  ")
        assert "Indiquez des mots du titre" in empty
        events = await p.container.log.read("synthesis.events", limit=1000)
        assert not [e for e in events if e.event.type == "synthesis.ResponsePublished"]

        r = await client.post(SUITES, data={**typed, "action": "publier",
                                            "proposal_ids": [parc, velos]})
        assert r.status_code == 303, r.text[-2000:]
        events = await p.container.log.read("synthesis.events", limit=1000)
        published = [e.event.data for e in events
                     if e.event.type == "synthesis.ResponsePublished"]
        assert [sorted(d["proposal_ids"]) for d in published] == [sorted([parc, velos])]
        listed = (await client.get(SUITES)).text  # the organiser sees them by title
        assert re.search(r"Propositions liées : [^<]*Un parc au bord du canal", listed)
        assert re.search(r"Propositions liées : [^<]*Des vélos en libre-service", listed)
    public = (await p.client().get("/consultations/c1/synthese")).text  # and the public
    assert f'href="/consultations/c1/propositions/{parc}">Un parc au bord du canal</a>' in public
    assert f'href="/consultations/c1/propositions/{velos}">Des vélos en libre-service</a>' in public

    async with session_client(p, author) as client:
        async def noticed() -> bool:
            return "Deux parcs en 2027" in (await client.get("/compte/notifications")).text
        await until(noticed, timeout=10)


async def test_a_search_needs_the_organiser_and_the_csrf_token(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    someone = await participant(p, "Quelqu1")
    async with session_client(p, someone) as client:
        r = await client.post(SUITES, data={"action": "chercher", "recherche": "parc"})
        assert r.status_code in (400, 403)
