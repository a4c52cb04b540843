"""Participatory budget (issue #18 item 8, ADR 0067) through the embedded
platform's HTTP pages: the organiser sets an envelope, the projects' costs and a
vote phase of kind « budget » in the back office; a participant's selection over
the envelope is refused with the French message and its total, one within is
recorded; the results page ranks each envelope's projects by votes and selects
those that fit; the recount agrees with the projection and with the frozen
results.

Deposits run on the platform's clock set inside their phase (handlers decide on
the clock they are given); pages decide on the real clock.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from harness.forms import admin_client, csrf_header, post_form
from harness.platform import (
    SYSTEM,
    Platform,
    participant,
    session_client,
    until,
)
from harness.processes import ROOT

from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal
from services.vote.commands import FreezeResults
from services.vote.projections import BUDGET_VOTES, FROZEN
from services.vote.recount import compare

PARIS = ZoneInfo("Europe/Paris")
PROJECTS = {"a": ("Un jardin partagé", "300 000"), "b": ("Une piste cyclable", "320 000"),
            "c": ("Des bancs au square", "150 000"), "d": ("Une boîte à livres", "20 000")}


def plain(html: str) -> str:
    """The page's text with French thin and no-break spaces as plain spaces."""
    return html.replace("\u202f", " ").replace("\u00a0", " ").replace("&#39;", "'")


def local(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


async def organised(p: Platform) -> tuple[str, httpx.AsyncClient]:
    """A consultation with a deposit phase, then a vote phase of kind « budget »
    open now, made in the back office and published."""
    admin = await admin_client(p)
    created = await post_form(admin, "/admin/consultations/nouvelle",
                              "/admin/consultations/nouvelle",
                              {"title": "Budget participatif du 11e", "slug": "budget-11"})
    assert created.status_code == 303, created.text
    cid = created.headers["location"].rsplit("/", 1)[1]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    form = f"/admin/consultations/{cid}/phases"
    page = (await admin.get(form)).text
    assert 'value="vote_budget"' in page  # the organiser picks the kind in the form
    rows = [("phases.0.phase_id", ""), ("phases.0.kind", "deposit"),
            ("phases.0.title", "Dépôt des projets"),
            ("phases.0.starts_at", local(now - timedelta(days=10))),
            ("phases.0.ends_at", local(now - timedelta(days=2))),
            ("phases.0.description", ""),
            ("phases.1.phase_id", ""), ("phases.1.kind", "vote"),
            ("phases.1.title", "Vote du budget"),
            ("phases.1.starts_at", local(now - timedelta(hours=1))),
            ("phases.1.ends_at", local(now + timedelta(days=5))),
            ("phases.1.description", ""), ("phases.1.actions", "vote_budget"),
            ("phases.1.vote.support_threshold", "100"), ("phases.1.vote.ranking_max", "5"),
            ("phases.1.vote.identity_level", "")]
    saved = await post_form(admin, form, form, rows)
    assert saved.status_code == 303, saved.text
    published = await post_form(admin, f"/admin/consultations/{cid}",
                                f"/admin/consultations/{cid}/publication",
                                {"action": "publier"})
    assert published.status_code == 303
    return cid, admin


async def deposit(p: Platform, cid: str) -> None:
    doc = await p.container.store.get("consultation_detail", "all", cid)
    assert doc is not None
    real = p.clock.now()
    p.clock.advance(datetime.fromisoformat(doc["phases"][0]["starts_at"]) + timedelta(hours=2)
                    - p.clock.now())
    author = ParticipantContext("p-auteur", "email")
    for key, (title, _) in PROJECTS.items():
        await p.container.handle(SubmitProposal(
            key, cid, author, title, "Un texte assez long pour passer la modération."), SYSTEM)
    p.clock.advance(real - p.clock.now())

    async def published() -> bool:
        found = await p.container.store.get_many("public_state", "all", list(PROJECTS))
        return len(found) == len(PROJECTS)
    await until(published)


async def budgeted(p: Platform, cid: str, admin: httpx.AsyncClient) -> None:
    page = f"/admin/consultations/{cid}/budget"
    assert f'href="{page}"' in (await admin.get(f"/admin/consultations/{cid}")).text
    refused = await post_form(admin, page, f"{page}/enveloppes",
                              {"territoire": "Paris 11e", "montant": "cinq cents"})
    assert refused.status_code == 400 and "nombre entier" in refused.text
    envelope = await post_form(admin, page, f"{page}/enveloppes",
                               {"territoire": "Paris 11e", "montant": "500 000"})
    assert envelope.status_code == 303, envelope.text
    for key, (_, cost) in PROJECTS.items():
        done = await post_form(admin, page, f"{page}/projets/{key}",
                               {"cout": cost, "enveloppe": "paris-11e"})
        assert done.status_code == 303, done.text
    shown = plain((await admin.get(page)).text)
    assert "Paris 11e" in shown and "500 000 €" in shown


async def vote(p: Platform, cid: str, pseudonym: str, keys: list[str]) -> httpx.Response:
    who = await participant(p, pseudonym)
    async with session_client(p, who) as client:
        return await post_form(client, f"/vote/{cid}/budget", f"/vote/{cid}/budget",
                               [("enveloppe", "paris-11e")] + [("projets", k) for k in keys])


async def test_a_ballot_keeps_within_its_envelope_and_results_fit_it(
        platform: Platform) -> None:
    p = platform
    cid, admin = await organised(p)
    await deposit(p, cid)
    await budgeted(p, cid, admin)

    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        assert f'href="/vote/{cid}/budget"' in (await client.get("/consultations/budget-11")).text
        sequence = (await client.get(f"/vote/{cid}")).text
        assert f'href="/vote/{cid}/budget"' in sequence and "Je soutiens" not in sequence
        ballot = plain((await client.get(f"/vote/{cid}/budget")).text)
        assert "Paris 11e : enveloppe de 500 000 €" in ballot
        # any envelope is taken, whatever the voter's territory: the page says so
        assert ("Vous votez dans une seule enveloppe, celle que vous choisissez : nous vous "
                "suggérons celle de votre territoire.") in " ".join(ballot.split())
        assert "Une piste cyclable" in ballot and "Coût : 320 000 €" in ballot
        over = await post_form(client, f"/vote/{cid}/budget", f"/vote/{cid}/budget",
                               [("enveloppe", "paris-11e"), ("projets", "a"), ("projets", "b")])
        assert over.status_code == 400
        text = plain(over.text)
        assert "Votre sélection (620 000 €) dépasse l'enveloppe de 500 000 €." in text
        assert "Total de votre sélection : 620 000 €" in text
        assert re.search(r'value="a" checked', over.text)  # the choice is kept
        api = await client.post(f"/api/consultations/{cid}/budget",
                                json={"envelope_id": "paris-11e", "projects": ["a", "b"]},
                                headers={"Idempotency-Key": "budget-1",
                                         **await csrf_header(client)})
        assert api.status_code == 422 and api.json()["error"] == "over_budget"
        assert plain(api.json()["message"]) == ("Votre sélection (620 000 €) dépasse "
                                                "l'enveloppe de 500 000 €.")
        within = await post_form(client, f"/vote/{cid}/budget", f"/vote/{cid}/budget",
                                 [("enveloppe", "paris-11e"), ("projets", "a"),
                                  ("projets", "c")])
        assert within.status_code == 303, within.text
        saved = plain((await client.get(within.headers["location"])).text)
        assert "Votre vote est enregistré : 450 000 € de projets choisis" in saved
        mine = plain((await client.get("/mes-votes")).text)
        assert "Votre sélection (450 000 €) : Un jardin partagé, Des bancs au square." in mine
    # nothing of the refused ballot was recorded: only the accepted one
    ballots = [r for r in await p.container.log.read("vote.events", limit=10_000)
               if r.event.type == "vote.BudgetBallotCast"]
    assert [sorted(r.event.data["projects"]) for r in ballots] == [["a", "c"]]

    for name, keys in (("Bruno", ["b"]), ("Chloe", ["b", "c"]), ("Dina", ["a", "d"])):
        assert (await vote(p, cid, name, keys)).status_code == 303

    # votes: a 2, b 2, c 2, d 1. By votes, ties the cheaper first: c, a, b, d.
    # Fitting 500 000 €: c (150 000), a (300 000), b does not fit (50 000 left), d fits.
    async def counted() -> bool:
        return "4 votes" in (await p.client().get(f"/vote/{cid}/resultats")).text
    await until(counted)
    results = plain((await p.client().get(f"/vote/{cid}/resultats")).text)
    assert "Vote du budget" in results
    rows = re.findall(r"<tr><td>(\d+)</td><td><a [^>]*>([^<]+)</a></td><td>([^<]+)</td>"
                      r"<td>(\d+)</td><td>(.*?)</td></tr>", results)
    assert [(title, votes, "Retenu" in kept and "Non" not in kept)
            for _, title, _, votes, kept in rows] == [
        ("Des bancs au square", "2", True), ("Un jardin partagé", "2", True),
        ("Une piste cyclable", "2", False), ("Une boîte à livres", "1", True)]
    assert "470 000 € retenus" in results
    assert await compare(p.container.log, p.container.store) == []
    await followed_up(p, cid, admin)

    # closed and frozen: the results stay, recounted from the log
    doc = await p.container.store.get("consultation_detail", "all", cid)
    assert doc is not None
    phase = doc["phases"][1]
    p.clock.advance(datetime.fromisoformat(phase["ends_at"]) + timedelta(minutes=1)
                    - p.clock.now())
    frozen = await p.container.handle(FreezeResults(cid, phase["phase_id"]), SYSTEM)
    assert frozen["status"] == "frozen"

    async def snapshot() -> bool:
        return await p.container.store.get(FROZEN, cid, phase["phase_id"]) is not None
    await until(snapshot)
    snap = await p.container.store.get(FROZEN, cid, phase["phase_id"])
    assert snap is not None
    assert snap["budget"]["votes"]["paris-11e"]["projects"] == {"a": 2, "b": 2, "c": 2, "d": 1}
    after = plain((await p.client().get(f"/vote/{cid}/resultats")).text)
    assert "Résultats définitifs" in after and "470 000 € retenus" in after
    assert await compare(p.container.log, p.container.store) == []
    await recounted(p, cid, phase["phase_id"])


async def followed_up(p: Platform, cid: str, admin: httpx.AsyncClient) -> None:
    """The organiser follows a selected project's implementation (the synthesis
    follow-up, reused); its public page shows the cost and the status."""
    page = f"/admin/consultations/{cid}/suites"
    posted = await post_form(admin, page, page, {
        "title": "Bancs commandés", "body": "La commande est passée.", "status": "in_progress",
        "proposal_ids": "c"})
    assert posted.status_code == 303, posted.text

    async def shown() -> bool:
        return "En cours" in (await p.client().get("/consultations/budget-11/propositions/c")).text
    await until(shown)
    project = plain((await p.client().get("/consultations/budget-11/propositions/c")).text)
    assert "Projet du budget participatif" in project and "Coût : 150 000 €" in project
    assert "Paris 11e" in project and "Bancs commandés" in project


def parlons_recount(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "services.runtime", "recount"], cwd=ROOT,
                          env={**os.environ, "PARLONS_DATA_DIR": str(data),
                               "PARLONS_LOG_LEVEL": "WARNING"},
                          capture_output=True, text=True, timeout=120)


async def recounted(p: Platform, cid: str, phase_id: str) -> None:
    """`parlons recount` agrees, then finds a budget count tampered with."""
    done = await asyncio.to_thread(parlons_recount, p.data_dir)
    assert done.returncode == 0 and "; 0 différence\n" in done.stdout, done.stdout + done.stderr
    doc = await p.container.store.get(BUDGET_VOTES, cid, phase_id)
    assert doc is not None
    doc["paris-11e"]["projects"]["d"] += 1
    async with p.container.store.transaction() as tx:
        await tx.put(BUDGET_VOTES, cid, phase_id, doc)
    done = await asyncio.to_thread(parlons_recount, p.data_dir)
    assert done.returncode == 1 and "budget participatif" in done.stdout, done.stdout
