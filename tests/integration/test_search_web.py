"""The search pages over HTTP (embedded platform on SQLite, tantivy index, workers
running): the analyst workspace and its role walk, saved searches, the public
search page (published content only, escaped snippets), the similar-proposals
hint with and without htmx, bad input as a French 400, JSON errors under /api."""

from __future__ import annotations

import re

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header, csrf_of, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.deposit.commands import SetContributionPolicy
from services.identity.commands import GrantRole
from services.identity.queries import roles_in
from services.search.saved import SAVED, SaveSearch
from services.web.search import workspace

VELO = "Des pistes cyclables sûres le long des quais, séparées des voitures."
TRAM = "Prolonger le tramway jusqu'au port, avec des vélos en libre-service."
NASTY = "Un vélo <script>alert(1)</script> & des bancs publics."
HIDDEN = "Vélo hors sujet : proposition masquée par la modération."
GONE = "Vélo retiré : son auteur a retiré cette proposition."
BASE = "/admin/analyse/c1"


@pytest.fixture
async def world(platform: Platform) -> dict[str, str]:
    """c1 (post-moderation) with five proposals: two published, one with markup in
    its text, one hidden by a moderator, one withdrawn; a person per role."""
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    people = {n: await participant(p, n) for n in
              ("Auteur", "Simple", "Modo", "Ana", "Orga", "Chef")}
    for name, role in (("Simple", "participant"), ("Modo", "moderator"), ("Ana", "analyst"),
                       ("Orga", "organiser"), ("Chef", "admin")):
        await p.container.handle(GrantRole(people[name], "c1", role), SYSTEM)

    async def granted() -> bool:
        return "admin" in await roles_in(p.container.store, people["Chef"], "c1")
    await until(granted)
    await p.container.handle(SetContributionPolicy("c1", withdraw_allowed=True), SYSTEM)
    ids = {}
    async with session_client(p, people["Auteur"]) as author:
        headers = await csrf_header(author)
        for n, (name, body) in enumerate((("velo", VELO), ("tram", TRAM), ("nasty", NASTY),
                                          ("hidden", HIDDEN), ("gone", GONE))):
            r = await author.post("/api/consultations/c1/proposals",
                                  headers={**headers, "Idempotency-Key": f"k{n}"},
                                  json={"title": f"Idée {name}", "body": body})
            assert r.status_code == 201, r.text
            ids[name] = r.json()["id"]
        attempt = 0

        async def withdrawn() -> bool:  # once the deposit read model knows it
            nonlocal attempt
            attempt += 1
            r = await author.post(f"/api/contributions/{ids['gone']}/withdraw",
                                  headers={**headers, "Idempotency-Key": f"w{attempt}"})
            return r.status_code == 204
        await until(withdrawn)

    async def item_ready() -> bool:
        doc = await p.container.store.get("moderation_items", "all", ids["hidden"])
        return bool(doc and doc["kind"])
    await until(item_ready, timeout=10)
    page = f"/admin/moderation/c1/elements/{ids['hidden']}"
    async with session_client(p, people["Modo"]) as modo:
        assert (await post_form(modo, page, f"{page}/prise")).status_code == 303
        r = await post_form(modo, page, f"{page}/decision", {"decision": "hidden",
                                                             "motif": "hors_sujet"})
        assert r.status_code == 303, r.text

    async def indexed() -> bool:  # the indexer runs in the background
        r = await p.client().get("/api/search", params={"consultation_id": "c1"})
        return r.status_code == 200 and r.json()["total"] == 3
    await until(indexed, timeout=10)
    return {**people, **{f"id_{k}": v for k, v in ids.items()}}


async def test_public_search_page_shows_published_content_only_escaped(
        platform: Platform, world: dict[str, str]) -> None:
    client = platform.client()
    r = await client.get("/consultations/c1/recherche", params={"q": "velo"})
    assert r.status_code == 200, r.text
    assert world["id_velo"] in r.text and world["id_nasty"] in r.text
    for hidden in ("hors sujet", "retiré", world["id_hidden"], world["id_gone"]):
        assert hidden not in r.text
    assert "<script>alert" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<mark>vélo</mark>" in r.text.lower() or "<mark>Vélo</mark>" in r.text
    everything = await client.get("/consultations/c1/recherche", params={"q": ""})
    assert "3 résultats" in everything.text
    for q in ('"pistes', "(velo", "velo OR"):
        bad = await client.get("/consultations/c1/recherche", params={"q": q})
        assert bad.status_code == 400 and 'id="f-q-err"' in bad.text, q
    for params in ({"sort": "random"}, {"page": "abc"}):
        assert (await client.get("/consultations/c1/recherche", params=params)
                ).status_code == 400
    past = await client.get("/consultations/c1/recherche", params={"page": "99"})
    assert past.status_code == 200 and "Aucun résultat" in past.text
    for page in ("10001", "99999999999999999999"):  # was a 500 (OverflowError)
        far = await client.get("/consultations/c1/recherche", params={"q": "velo", "page": page})
        assert far.status_code == 400 and "précisez la recherche" in far.text, page
    unknown = await client.get("/consultations/inconnue/recherche")
    assert unknown.status_code == 404


async def test_public_search_paginates(platform: Platform, world: dict[str, str]) -> None:
    client = platform.client()
    # 10 per page: three hits fit on one page; the page link keeps the query.
    r = await client.get("/consultations/c1/recherche", params={"q": "velo OR tramway"})
    assert "Page suivante" not in r.text
    assert r.text.count('class="fr-mb-3w"') >= 3


async def test_similar_proposals_hint_with_and_without_htmx(
        platform: Platform, world: dict[str, str]) -> None:
    client = platform.client()
    url = "/consultations/c1/propositions/similaires"
    fragment = await client.get(url, params={"title": "Des pistes cyclables"},
                                headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert world["id_velo"] in fragment.text and world["id_hidden"] not in fragment.text
    page = await client.get(url, params={"title": "Des pistes cyclables"})
    assert "<html" in page.text and world["id_velo"] in page.text
    async with session_client(platform, world["Simple"]) as simple:
        form = await simple.get("/consultations/c1/propositions/nouvelle")
        assert 'hx-trigger="keyup changed delay:500ms from:#f-title"' in form.text
        assert "Voir les propositions similaires" in form.text
        shown = await simple.post("/consultations/c1/propositions/nouvelle", data={
            "csrf_token": csrf_of(form.text), "cle": "cle-1", "etape": "similaires",
            "title": "Pistes cyclables", "body": ""})
        assert shown.status_code == 200 and world["id_velo"] in shown.text
        assert 'value="Pistes cyclables"' in shown.text  # the typed title stays
    mine = await platform.container.log.read("deposit.events")
    assert "cle-1" not in {e.event.stream.split("-", 1)[-1] for e in mine}


def may_analyse(who: str) -> bool | None:
    if who == "anonymous":
        return None
    return who in ("Ana", "Orga", "Chef", "admin")


async def test_workspace_role_walk(platform: Platform, world: dict[str, str]) -> None:
    p = platform
    failures = []
    for who in ("anonymous", "Simple", "Modo", "Ana", "Orga", "Chef", "admin"):
        if who == "anonymous":
            client = session_client(p, None)
        elif who == "admin":
            client = session_client(p, "orga", kind="admin")
        else:
            client = session_client(p, world[who])
        async with client:
            token = csrf_of((await client.get("/connexion")).text)
            for method, path in (("GET", BASE), ("POST", f"{BASE}/recherches"),
                                 ("POST", f"{BASE}/recherches/x/suppression"),
                                 ("GET", f"{BASE}/export.csv?q=velo")):
                r = await client.request(method, path, data={
                    "csrf_token": token, "name": "n"} if method == "POST" else None)
                may = may_analyse(who)
                if may is None:
                    ok = r.status_code == 303 and "/admin/connexion" in r.headers["location"]
                else:
                    ok = (r.status_code in (200, 303)) if may else r.status_code == 403
                if not ok:
                    failures.append(f"{who} {method} {path} -> {r.status_code}")
        other = session_client(p, world["Ana"])
        async with other:  # an analyst of c1 is nobody on another consultation
            assert (await other.get("/admin/analyse/c2")).status_code == 403
    assert not failures, "\n".join(failures)


async def test_workspace_search_facets_sort_errors_and_export(
        platform: Platform, world: dict[str, str]) -> None:
    async with session_client(platform, world["Ana"]) as ana:
        r = await ana.get(BASE, params={"q": "velo", "sort": "votes"})
        assert r.status_code == 200, r.text
        assert world["id_velo"] in r.text and world["id_hidden"] not in r.text
        assert 'name="f.kind" value="proposal"' in r.text and "Proposition (3)" in r.text
        assert "&lt;script&gt;" in r.text and "<script>alert" not in r.text
        filtered = await ana.get(BASE, params={"q": "velo", "f.kind": "argument"})
        assert world["id_velo"] not in filtered.text
        seeded = [await ana.get(BASE, params={"sort": "random", "seed": "7"}) for _ in (1, 2)]
        order = [re.findall(r"propositions/([0-9a-f-]{36})", s.text) for s in seeded]
        assert order[0] == order[1] and len(order[0]) == 3
        bad = await ana.get(BASE, params={"q": "(velo"})
        assert bad.status_code == 400 and 'id="f-q-err"' in bad.text and "Parenthèse" in bad.text
        for params in ({"sort": "titre"}, {"f.body": "x"}, {"page": "abc"},
                       {"page": "99999999999999999999"}):
            assert (await ana.get(BASE, params=params)).status_code == 400, params
        link = re.search(r'href="(/admin/analyse/c1/export.csv\?[^"]*)"', r.text)
        assert link and "q=velo" in link.group(1)
        export = await ana.get(link.group(1).replace("&amp;", "&"))
        assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
        rows = export.text.strip().splitlines()
        # French headings and values in words, in the back office (the JSON API's
        # export keeps the machine names)
        assert rows[0].startswith("Identifiant,Type,Consultation") and len(rows) == 4
        assert ",Proposition," in export.text and ",proposal," not in export.text
        assert world["id_velo"] in export.text and world["id_hidden"] not in export.text
        refused = await ana.get(f"{BASE}/export.csv", params={"q": "(velo"})
        assert refused.status_code == 400


async def test_saved_searches_are_saved_listed_reopened_and_deleted(
        platform: Platform, world: dict[str, str]) -> None:
    p = platform
    async with session_client(p, world["Ana"]) as ana:
        page = f"{BASE}?q=velo&sort=votes&f.kind=proposal"
        shown = await ana.get(page)
        params = re.search(r'name="params" value="([^"]*)"', shown.text)
        assert params
        r = await ana.post(f"{BASE}/recherches", data={
            "csrf_token": csrf_of(shown.text), "cle": "s-1", "name": "Vélo, votes",
            "params": params.group(1).replace("&amp;", "&")})
        assert r.status_code == 303, r.text
        again = await ana.post(f"{BASE}/recherches", data={  # a double click
            "csrf_token": csrf_of(shown.text), "cle": "s-1", "name": "Vélo, votes",
            "params": "q=velo"})
        assert again.status_code == 303
        empty = await post_form(ana, BASE, f"{BASE}/recherches", {"cle": "s-2", "name": "  "})
        assert empty.status_code == 400 and 'id="f-name-err"' in empty.text
        listed = await ana.get(BASE)
        link = re.search(r'<a href="(/admin/analyse/c1\?[^"]+)">Vélo, votes</a>', listed.text)
        assert link and listed.text.count("Vélo, votes</a>") == 1
        reopened = await ana.get(link.group(1).replace("&amp;", "&"))
        assert 'value="velo"' in reopened.text and world["id_velo"] in reopened.text
        assert re.search(r'value="votes" selected', reopened.text)
    events = await p.container.log.read("search.events")
    assert [e.event.type for e in events] == ["search.SearchSaved"]
    assert events[0].event.actor.id == world["Ana"] and events[0].event.data["owner_id"] == \
        world["Ana"]
    async with session_client(p, world["Orga"]) as orga:  # the team shares the list
        r = await post_form(orga, BASE, f"{BASE}/recherches/s-1/suppression")
        assert r.status_code == 303
        assert "Vélo, votes</a>" not in (await orga.get(BASE)).text


async def test_every_saved_search_is_reached_a_page_at_a_time(
        platform: Platform, world: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The latest first, a page of SAVED_SHOWN at a time: the older ones can still
    be opened and deleted (the latest 100 only were listed); the results' query
    stays as it is when the saved searches turn a page."""
    p = platform
    monkeypatch.setattr(workspace, "SAVED_SHOWN", 2)
    for n in range(1, 6):
        await p.container.handle(SaveSearch(f"s-{n}", "c1", world["Ana"], f"Recherche {n}",
                                            f"q=mot{n}"), SYSTEM)

    async def saved() -> bool:
        return await p.container.store.count(SAVED, "c1") == 5
    await until(saved)
    async with session_client(p, world["Ana"]) as ana:
        seen: list[str] = []
        page = await ana.get(f"{BASE}?q=velo")
        while True:
            assert page.status_code == 200
            names = re.findall(r">(Recherche \d)</a>", page.text)
            assert len(names) <= 2
            seen += names
            older = re.search(r'<a class="fr-link" href="([^"]+)">Recherches plus anciennes',
                              page.text)
            if older is None:
                break
            assert "q=velo" in older.group(1)
            page = await ana.get(older.group(1).replace("&amp;", "&"))
        assert seen == [f"Recherche {n}" for n in (5, 4, 3, 2, 1)]
        assert "Dernières recherches enregistrées" in page.text
        assert 'value="velo"' in page.text  # the results' query kept
        r = await post_form(ana, f"{BASE}?recherches_apres=s-2",
                            f"{BASE}/recherches/s-1/suppression")
        assert r.status_code == 303
        last = await ana.get(f"{BASE}?recherches_apres=s-2")
        assert "Recherche 1</a>" not in last.text and "Aucune autre recherche" in last.text


async def test_api_errors_stay_json_with_the_web_front_end(
        platform: Platform, world: dict[str, str]) -> None:
    client = platform.client()
    r = await client.get("/api/search", params={"q": "(velo", "consultation_id": "c1"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    assert "Parenthèse" in r.json()["detail"]
    html = await client.get("/consultations/inconnue")
    assert html.status_code == 404 and html.headers["content-type"].startswith("text/html")
