"""The synthesis over HTTP, embedded on SQLite with the workers and the run job
running: an analyst runs, validates and publishes; the public page shows only
published content, escaped, each theme linked to its contributions; the
organiser's follow-up reaches the contributors' notices and the digest outbox;
a participant is refused the analyst routes; bad input is refused in French
and nothing is stored."""

from __future__ import annotations

import re

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.core.envelope import Actor
from services.core.events import Meta
from services.identity.commands import GrantRole
from services.identity.mailer import VaultMail
from services.identity.queries import roles_in
from services.synthesis.followup.digest import send_digests
from services.synthesis.runs.corpus import CORPUS
from services.synthesis.runs.tables import RUNS

VELO = ["Des pistes cyclables sûres le long des quais pour les vélos",
        "Plus de vélos en libre-service et de pistes cyclables protégées",
        "Des garages à vélos sécurisés et des pistes cyclables continues",
        "Pistes cyclables séparées des voitures, vélos partout en ville"]
SANTE = ["Un médecin de garde et des urgences ouvertes la nuit à l'hôpital",
         "Recruter des médecins et des infirmières pour l'hôpital public",
         "Rouvrir les urgences de l'hôpital et aider les médecins de campagne",
         "Des maisons de santé avec médecins et infirmières dans chaque canton"]
NASTY = "Des pistes cyclables <script>alert(1)</script> & des vélos pour tous"
HIDDEN = "Vélos et pistes cyclables : texte masqué ensuite par la modération"
GONE = "Vélos et pistes cyclables : proposition retirée par son auteur"
BASE = "/admin/analyse/c1/synthese"


@pytest.fixture
async def world(platform: Platform) -> dict[str, str]:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    people = {n: await participant(p, n) for n in ("Auteur", "Autre", "Simple", "Ana", "Orga",
                                                   "Modo")}
    for name, role in (("Simple", "participant"), ("Ana", "analyst"), ("Orga", "organiser"),
                       ("Modo", "moderator")):
        await p.container.handle(GrantRole(people[name], "c1", role), SYSTEM)

    async def granted() -> bool:
        return "moderator" in await roles_in(p.container.store, people["Modo"], "c1")
    await until(granted)
    from services.deposit.commands import SetContributionPolicy
    await p.container.handle(SetContributionPolicy("c1", withdraw_allowed=True), SYSTEM)
    ids: dict[str, str] = {}
    texts = {**{f"velo{i}": t for i, t in enumerate(VELO)},
             **{f"sante{i}": t for i, t in enumerate(SANTE)},
             "nasty": NASTY, "hidden": HIDDEN, "gone": GONE}
    for n, (name, body) in enumerate(texts.items()):
        who = people["Autre"] if name.startswith("sante") else people["Auteur"]
        async with session_client(p, who) as client:
            r = await client.post("/api/consultations/c1/proposals",
                                  headers={**await csrf_header(client),
                                           "Idempotency-Key": f"k{n}"},
                                  json={"title": f"Idée {name}", "body": body})
            assert r.status_code == 201, r.text
            ids[name] = r.json()["id"]
    async with session_client(p, people["Auteur"]) as author:
        headers = await csrf_header(author)
        attempt = 0

        async def withdrawn() -> bool:
            nonlocal attempt
            attempt += 1
            r = await author.post(f"/api/contributions/{ids['gone']}/withdraw",
                                  headers={**headers, "Idempotency-Key": f"w{attempt}"})
            return r.status_code == 204
        await until(withdrawn)

    async def corpus_ready() -> bool:
        docs = await p.container.store.list(CORPUS, "c1", limit=100)
        return len(docs) == len(texts) - 1
    await until(corpus_ready, timeout=10)
    return {**people, **{f"id_{k}": v for k, v in ids.items()}}


async def wait_run(p: Platform, run_id: str) -> dict[str, object]:
    async def done() -> bool:
        run = await p.container.store.get(RUNS, "c1", run_id)
        return bool(run and run["status"] == "done"
                    and run["chunks_seen"] == run["member_chunks"])
    await until(done, timeout=60)
    run = await p.container.store.get(RUNS, "c1", run_id)
    assert run is not None
    return run


async def test_a_participant_is_refused_the_analyst_and_organiser_routes(
        platform: Platform, world: dict[str, str]) -> None:
    async with session_client(platform, world["Simple"]) as simple:
        for path in (BASE, f"{BASE}/analyses/x", f"{BASE}/analyses/x/themes/t1",
                     "/admin/consultations/c1/suites"):
            r = await simple.get(path)
            assert r.status_code == 403 and "Accès refusé" in r.text, path
        r = await simple.post(f"{BASE}/analyses", data={"mode": "full"})
        assert r.status_code == 403
    async with session_client(platform, world["Ana"]) as ana:  # analysts: not the follow-up
        assert (await ana.get("/admin/consultations/c1/suites")).status_code == 403
    assert await platform.container.log.read("synthesis.events") == []


async def test_run_validate_publish_follow_up(platform: Platform,
                                             world: dict[str, str]) -> None:
    p = platform
    async with session_client(p, world["Ana"]) as ana:
        page = await ana.get(BASE)
        assert page.status_code == 200 and "Lancer une analyse" in page.text
        bad = await post_form(ana, BASE, f"{BASE}/analyses", {"mode": "full", "n_themes": "1"})
        assert bad.status_code == 400 and "entre 2 et 50" in bad.text
        huge = await post_form(ana, BASE, f"{BASE}/analyses",
                               {"mode": "full", "n_themes": "2", "seed": "9" * 20})
        assert huge.status_code == 400  # positive, beyond the bound: the bound is named
        assert "compris entre 0 et 2\u202f147\u202f483\u202f647." in huge.text
        r = await post_form(ana, BASE, f"{BASE}/analyses", {"mode": "full", "n_themes": "2",
                                                            "seed": "3"})
        assert r.status_code == 303, r.text
        run_page = r.headers["location"]
        run_id = run_page.rsplit("/", 1)[1]
        run = await wait_run(p, run_id)  # executed by the job, not by the request
        assert run["contributions"] == 10 and run["seed"] == 3
        shown = await ana.get(run_page)
        assert "Terminée" in shown.text
        themes = re.findall(rf'{run_page}/themes/(t\d+)"', shown.text)
        assert sorted(themes) == ["t1", "t2"]
        # the vélo theme: the one holding the first vélo proposal
        # which theme holds what (the clustering of ten short texts is the run's
        # business; ids are new each time, so the test reads the result)
        theme_of = {}
        for t in themes:
            page_html = (await ana.get(f"{run_page}/themes/{t}")).text
            for doc in re.findall(r'name="contribution_ids" value="([\w-]+)"', page_html):
                theme_of[doc] = t
        kept = {v for k, v in world.items() if k.startswith("id_") and k != "id_gone"}
        assert set(theme_of) == kept  # every published proposal in exactly one theme
        velo = theme_of[world["id_velo0"]]
        sante = next(t for t in themes if t != velo)
        movable = sorted(d for d, t in theme_of.items() if t == velo and d not in (
            world["id_velo0"], world["id_nasty"], world["id_hidden"]))
        assert movable, theme_of
        split_ids = movable[:1]
        before = len(await p.container.log.read("synthesis.events", limit=10_000))
        for action, data, words in (
                (f"{run_page}/themes/{velo}/nom", {"label": "   "}, "Donnez un nom"),
                (f"{run_page}/themes/{velo}/fusion", {"into_theme_id": velo}, "lui-même"),
                (f"{run_page}/themes/t404/nom", {"label": "Nom"}, "n&#39;existe pas"),
                (f"{run_page}/themes/{velo}/decoupage", {"label": "Rien"}, "au moins une")):
            r = await post_form(ana, run_page, action, data)
            assert r.status_code == 400 and words in r.text, (action, r.text[-2000:])
        assert len(await p.container.log.read("synthesis.events", limit=10_000)) == before
        r = await post_form(ana, run_page, f"{run_page}/themes/{velo}/nom",
                            {"label": "Mobilité <b>douce</b>"})
        assert r.status_code == 303
        r = await post_form(ana, f"{run_page}/themes/{velo}", f"{run_page}/themes/{velo}/decoupage",
                            [("label", "Garages à vélos"), ("retour", "theme"),
                             *[("contribution_ids", i) for i in split_ids]])
        assert r.status_code == 303, r.text
        nasty_theme = theme_of[world["id_nasty"]]
        r = await post_form(ana, f"{run_page}/themes/{nasty_theme}",
                            f"{run_page}/themes/{nasty_theme}/verbatims",
                            {"contribution_id": world["id_nasty"]})
        assert r.status_code == 303
        r = await post_form(ana, run_page, f"{run_page}/publication")
        assert r.status_code == 303
        frozen = await post_form(ana, run_page, f"{run_page}/themes/{velo}/nom", {"label": "Autre"})
        assert frozen.status_code == 400 and "publiée" in frozen.text
        # an update starts from the validated themes (names, split) of the last run
        r = await post_form(ana, BASE, f"{BASE}/analyses", {"mode": "incremental"})
        assert r.status_code == 303, r.text
        update = await wait_run(p, r.headers["location"].rsplit("/", 1)[1])
        assert update["base_run_id"] == run_id and len(update["theme_ids"]) == 3  # type: ignore[arg-type]
        assert "Mobilité &lt;b&gt;douce&lt;/b&gt;" in (await ana.get(r.headers["location"])).text
    # the hidden proposal is hidden after publication: it must drop out of the page
    async def item_ready() -> bool:
        doc = await p.container.store.get("moderation_items", "all", world["id_hidden"])
        return bool(doc and doc["kind"])
    await until(item_ready, timeout=10)
    page = f"/admin/moderation/c1/elements/{world['id_hidden']}"
    async with session_client(p, world["Modo"]) as modo:
        assert (await post_form(modo, page, f"{page}/prise")).status_code == 303

        async def claimed() -> bool:
            doc = await p.container.store.get("moderation_items", "all", world["id_hidden"])
            return bool(doc and doc["claimed_by"])
        await until(claimed, timeout=10)
        r = await post_form(modo, page, f"{page}/decision", {"decision": "hidden",
                                                             "motif": "hors_sujet"})
        assert r.status_code == 303, r.text

    async def hidden_gone() -> bool:
        return await p.container.store.get(CORPUS, "c1", world["id_hidden"]) is None
    await until(hidden_gone, timeout=10)

    public = p.client()
    r = await public.get("/consultations/c1/synthese")
    assert r.status_code == 200, r.text
    html = r.text
    assert "Mobilité &lt;b&gt;douce&lt;/b&gt;" in html and "<b>douce</b>" not in html
    assert "Garages à vélos" in html and "<svg" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    links = set(re.findall(r'/consultations/c1/synthese/themes/([\w-]+)"', html))
    assert {velo, sante} <= links and len(links) == 3
    # French formats: « 68,8 % », the charts' days as words (« 68.8 % », « du 2026-11-16 »)
    assert re.search(r"<td>\d+,\d&nbsp;%</td>", html) and not re.search(r"\d\.\d %", html)
    assert re.search(r'aria-label="Évolution : \d+ contributions du \d+ \w+ \d{4} au', html)
    assert "<title>jour 20" not in html and re.search(r"<title>jour \d+ \w+ \d{4} : ", html)
    seen: set[str] = set()
    by_theme: dict[str, set[str]] = {}

    async def members_shown() -> bool:
        # A theme page lists what the corpus still publishes: read again until the
        # projections have caught up with the hiding (seen once under the suite's load).
        for tid in links:
            page_html = (await public.get(f"/consultations/c1/synthese/themes/{tid}")).text
            by_theme[tid] = set(re.findall(r'/consultations/c1/propositions/([\w-]+)"',
                                           page_html))
        return all(by_theme.values())
    await until(members_shown, timeout=10)
    for tid, found in by_theme.items():
        assert found, tid
        assert not found & seen
        seen |= found
    assert seen == kept - {world["id_hidden"]}  # each published one once; hidden/withdrawn never
    for bad_text in ("masqué ensuite", "retirée par son auteur"):
        assert bad_text not in html
    days = re.findall(rf'/consultations/c1/synthese/themes/{velo}\?jour=([0-9-]+)"', html)
    assert days, "the per-day figures link to their contributions"
    by_day = await public.get(f"/consultations/c1/synthese/themes/{velo}?jour={days[0]}")
    assert by_day.status_code == 200 and world["id_velo0"] in by_day.text
    assert (await public.get(f"/consultations/c1/synthese/themes/{velo}?jour=2001-01-01")
            ).status_code == 404
    split_theme = next(t for t in links if t not in (velo, sante))
    split_page = (await public.get(f"/consultations/c1/synthese/themes/{split_theme}")).text
    assert set(re.findall(r'/consultations/c1/propositions/([\w-]+)"', split_page)) == set(
        split_ids)
    assert (await public.get("/consultations/c1/synthese/themes/t404")).status_code == 404
    md = await public.get("/consultations/c1/synthese/rapport.md")
    assert md.status_code == 200 and "Mobilité <b>" not in md.text and "douce" in md.text
    assert "masqué ensuite" not in md.text
    assert re.search(r"publiée le \d+ \w+ \d{4}\. ", md.text), md.text[:300]
    assert re.search(r" contributions \(\d+,\d\u00a0%\) : ", md.text), md.text
    assert re.search(r"- Par jour : \d+ \w+ \d{4} : \d+", md.text), md.text
    csv_text = (await public.get("/consultations/c1/synthese/themes.csv")).text
    assert csv_text.splitlines()[0] == ("Identifiant du thème,Thème,Contributions,Part (%),"
                                        "Premier jour,Dernier jour,Adresse,Périmètre")
    assert csv_text.splitlines()[1].endswith(",toute la consultation")  # as the run's page
    assert "Périmètre : toute la consultation." in md.text.splitlines()[:4]

    # follow-up: the organiser answers on the vélo theme; its contributors hear of it
    suites = "/admin/consultations/c1/suites"
    async with session_client(p, world["Orga"]) as orga:
        empty = await post_form(orga, suites, suites, {"title": "", "body": "x",
                                                       "status": "under_review"})
        assert empty.status_code == 400 and "Indiquez le titre" in empty.text
        r = await post_form(orga, suites, suites, [("title", "Un plan vélo"),
                                                   ("body", "Le conseil étudie un plan vélo."),
                                                   ("status", "under_review"),
                                                   ("theme_ids", velo)])
        assert r.status_code == 303, r.text
        listed = await orga.get(suites)
        response_id = re.findall(r'/suites/([\w-]+)/statut"', listed.text)[0]
        r = await post_form(orga, suites, f"{suites}/{response_id}/statut",
                            {"status": "adopted", "note": "Voté le 3 mars."})
        assert r.status_code == 303
    async with session_client(p, world["Auteur"]) as author:
        async def noticed() -> bool:
            return (await author.get("/compte/notifications")).text.count("Un plan vélo") == 2
        await until(noticed, timeout=10)
    other_fed = any(theme_of[world[f"id_sante{i}"]] == velo for i in range(4))
    async with session_client(p, world["Autre"]) as other:  # fed the other theme (if so)
        assert ("Un plan vélo" in (await other.get("/compte/notifications")).text) == other_fed
    r = await public.get("/consultations/c1/synthese")
    assert "Un plan vélo" in r.text and "Adoptée" in r.text and "À l&#39;étude" in r.text
    identity = p.container.ports["identity"]
    sent = await send_digests(log=p.container.log, store=p.container.store,
                              clock=p.container.clock,
                              mail=VaultMail(identity.vault, identity.mailer),  # type: ignore[attr-defined]
                              meta=Meta(actor=Actor.system()))
    assert sent == 1 + other_fed
    outbox = await identity.mailer.read()  # type: ignore[attr-defined]
    assert "auteur@exemple.fr" in {m["to"] for m in outbox}
    assert all("Un plan vélo" in m["body"] for m in outbox)
    events = await p.container.log.read("synthesis.events", limit=10_000)
    assert not any("@" in str(e.event.data) for e in events)  # no address in any event
    edits = [e.event for e in events if e.event.type in (
        "synthesis.ThemeRenamed", "synthesis.ThemeSplit", "synthesis.VerbatimMarked",
        "synthesis.SynthesisPublished")]
    assert len(edits) == 4  # the refused ones left nothing
    assert {(e.actor.id, e.actor.role) for e in edits} == {(world["Ana"], "analyst")}


async def test_the_runs_come_a_page_at_a_time_the_latest_first(
        platform: Platform, world: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Scheduled updates make hundreds of runs: the first 200 by id only were
    listed, so the latest ones, those to validate, were missing."""
    from services.web.synthesis import runs as runs_pages

    monkeypatch.setattr(runs_pages, "RUNS_PAGE", 2, raising=False)
    async with session_client(platform, world["Ana"]) as ana:
        requested = []
        for seed in (1, 2, 3):
            r = await post_form(ana, BASE, f"{BASE}/analyses", {
                "mode": "full", "n_themes": "2", "seed": str(seed)})
            assert r.status_code == 303, r.text
            requested.append(r.headers["location"].rsplit("/", 1)[1])
        first = (await ana.get(BASE)).text
        assert f'href="{BASE}?page=2"' in first
        listed = [re.findall(rf'{BASE}/analyses/([\w-]+)"', page)
                  for page in (first, (await ana.get(f"{BASE}?page=2")).text)]
        assert listed == [requested[:0:-1], requested[:1]]
        for run_id in requested:  # the job's work ends before the platform does
            await wait_run(platform, run_id)
