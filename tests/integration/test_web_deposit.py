"""Participation pages over the real container (memory fakes): the questionnaire
in progressive steps, proposals, arguments, "mes contributions", transparency.
Every refused input shows its French message next to the question and stores
nothing; a form sent twice keeps the first answer."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from harness.consultations import ORGANISER, grand_debat
from harness.web import app_client, catch_up, make_container, make_deps

from services.core.participants import ModeratorContext
from services.deposit.ids import response_id
from services.deposit.projections import BY_AUTHOR
from services.moderation.commands import ClaimItem, Decide
from services.runtime.bootstrap import Container
from services.web.app import create_web_app

FORM = "/consultations/grand-debat/questionnaires/fiscalite/repondre"


class Site:
    def __init__(self, container: Container, app: object) -> None:
        self.container = container
        self.app = app

    def client(self, participant: str | None) -> httpx.AsyncClient:
        return app_client(self.app, participant)

    async def mine(self, participant: str) -> int:
        await catch_up(self.container)
        return await self.container.store.count(BY_AUTHOR, participant)

    async def decide(self, contribution_id: str, decision: str, reason: str = "conforme") -> None:
        moderator = ModeratorContext("p-moderator")
        await self.container.handle(ClaimItem(contribution_id, "gd", moderator), ORGANISER)
        await catch_up(self.container)
        await self.container.handle(Decide(contribution_id, "gd", moderator, decision, reason),
                                    ORGANISER)
        await catch_up(self.container)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    container = make_container()
    async with container:
        await grand_debat(container, "gd", "grand-debat")
        await grand_debat(container, "later", "plus-tard", opens_in=timedelta(days=30))
        await catch_up(container)
        yield Site(container, create_web_app(make_deps(container)))


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


async def open_form(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return {"csrf_token": hidden(page.text, "csrf_token"), "cle": hidden(page.text, "cle")}


async def test_questionnaire_steps_show_the_follow_up_and_submit_once(site: Site) -> None:
    async with site.client(None) as anonymous:
        r = await anonymous.get(FORM)
        assert r.status_code == 401 and "Connectez-vous" in r.text
    async with site.client("p-alice") as alice:
        form = await open_form(alice, FORM)
        first = (await alice.get(FORM)).text
        assert "Faut-il baisser" in first and "Si oui, lesquels" not in first
        assert "Continuer" in first and "Envoyer mes réponses" not in first
        step = await alice.post(FORM, data={**form, "etape": "continuer", "impots": "oui"})
        assert step.status_code == 200 and "Si oui, lesquels" in step.text
        assert "Envoyer mes réponses" in step.text
        assert await site.mine("p-alice") == 0  # « Continuer » saves nothing
        no_follow_up = await alice.post(FORM, data={**form, "etape": "continuer",
                                                     "impots": "non"})
        assert no_follow_up.status_code == 200 and "Si oui, lesquels" not in no_follow_up.text
        answers = {**form, "etape": "envoyer", "impots": "oui", "lesquels": "La TVA"}
        sent = await alice.post(FORM, data=answers)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/mes-contributions")
        again = await alice.post(FORM, data=answers)  # double click, resubmitted page
        assert again.status_code == 303
        assert await site.mine("p-alice") == 1
        mine = await alice.get("/mes-contributions")
        assert "Réponse au questionnaire" in mine.text  # its status: see below
        second = await alice.post(FORM, data={**await open_form(alice, FORM),
                                              "etape": "envoyer", "impots": "non"})
        assert second.status_code == 400 and "déjà répondu" in second.text
        assert await site.mine("p-alice") == 1


@pytest.mark.parametrize(("answers", "question", "message"), [
    ({"impots": "oui"}, "lesquels", "Cette question est obligatoire."),
    ({"impots": "non", "lesquels": "La TVA"}, "lesquels", "ne s&#39;applique pas"),
    ({"impots": "peut-etre"}, "impots", "ne fait pas partie des choix"),
    ({"impots": "oui", "lesquels": "x" * 301}, "lesquels", "ne peut dépasser 300"),
    ({"impots": "autre"}, "impots", "Précisez votre réponse"),
])
async def test_refused_answers_show_the_message_next_to_the_question(
        site: Site, answers: dict[str, str], question: str, message: str) -> None:
    async with site.client("p-bob") as bob:
        form = await open_form(bob, FORM)
        r = await bob.post(FORM, data={**form, "etape": "envoyer", **answers})
        assert r.status_code == 400
        error = re.search(rf'id="q-{question}-err"[^>]*>([^<]*)<', r.text)
        assert error and message in error.group(1), r.text
        assert "pas été enregistré" in r.text
        assert await site.mine("p-bob") == 0


async def test_closed_phase_and_forged_form_store_nothing(site: Site) -> None:
    async with site.client("p-carla") as carla:
        url = "/consultations/plus-tard/questionnaires/fiscalite-later/repondre"
        form = await open_form(carla, url)
        closed = await carla.post(url, data={**form, "etape": "envoyer", "impots": "non"})
        assert closed.status_code == 400 and "la phase qui le permet n" in closed.text
        forged = await carla.post(FORM, data={"cle": form["cle"], "etape": "envoyer",
                                              "impots": "non"})
        assert forged.status_code == 403
        assert await site.mine("p-carla") == 0


async def test_pre_moderated_proposal_shows_once_approved_with_its_arguments(
        site: Site) -> None:
    new = "/consultations/grand-debat/propositions/nouvelle"
    async with site.client("p-alice") as alice, site.client("p-bob") as bob, \
            site.client(None) as public:
        form = await open_form(alice, new)
        short = await alice.post(new, data={**form, "title": "Bus", "body": "Plus de bus"})
        assert short.status_code == 400 and 'id="f-title-err"' in short.text
        proposal = {**form, "title": "Des bus <b>gratuits</b>",
                    "body": "Rendre les bus gratuits le dimanche.", "territory": "69"}
        assert (await alice.post(new, data=proposal)).status_code == 303
        assert (await alice.post(new, data=proposal)).status_code == 303  # double click
        assert await site.mine("p-alice") == 1
        assert "En attente de modération" in (await alice.get("/mes-contributions")).text
        listing = "/consultations/grand-debat/propositions"
        assert "bus" not in (await public.get(listing)).text.lower()

        await site.decide(form["cle"], "approved")
        page = await public.get(listing)
        assert "Des bus &lt;b&gt;gratuits&lt;/b&gt;" in page.text  # escaped, never markup
        assert "Publiée" in (await alice.get("/mes-contributions")).text

        url = f"/consultations/grand-debat/propositions/{form['cle']}"
        proposal_page = (await bob.get(url)).text
        bob_form = {"csrf_token": hidden(proposal_page, "csrf_token"),
                    "cle": re.findall(r'name="cle" value="([^"]*)"', proposal_page)[0]}
        bad = await bob.post(url + "/arguments", data={**bob_form, "side": "peut-etre",
                                                       "body": "Je ne sais pas"})
        assert bad.status_code == 400 and "« pour » ou « contre »" in bad.text
        ok = await bob.post(url + "/arguments", data={**bob_form, "side": "against",
                                                      "body": "Qui paiera les chauffeurs ?"})
        assert ok.status_code == 303
        await site.decide(bob_form["cle"], "approved")
        for page_url in (listing, url):
            shown = (await public.get(page_url)).text
            assert "Qui paiera les chauffeurs ?" in shown and "Contre" in shown


async def test_hidden_contribution_tells_its_author_why_and_counts_publicly(
        site: Site) -> None:
    new = "/consultations/grand-debat/propositions/nouvelle"
    async with site.client("p-dan") as dan, site.client(None) as public:
        form = await open_form(dan, new)
        assert (await dan.post(new, data={**form, "title": "Hors du sujet",
                                          "body": "Parlons plutôt de football."})
                ).status_code == 303
        await site.decide(form["cle"], "hidden", "hors_sujet")
        mine = (await dan.get("/mes-contributions")).text
        assert "Masquée par la modération" in mine and "Motif : Hors sujet" in mine
        transparency = await public.get("/consultations/grand-debat/transparence")
        assert re.search(r"<td>Hors sujet</td><td>1</td>", transparency.text)


async def test_a_response_tells_its_author_where_its_moderation_stands(site: Site) -> None:
    """Moderated as any contribution (the consultation is pre-moderated): waiting,
    then refused with its reason beside « Faire appel »; it said « Enregistrée »."""
    async with site.client("p-eve") as eve:
        form = await open_form(eve, FORM)
        sent = await eve.post(FORM, data={**form, "etape": "envoyer", "impots": "non"})
        assert sent.status_code == 303
        mine = (await eve.get("/mes-contributions")).text
        assert "En attente de modération" in mine and "Enregistrée" not in mine
        await site.decide(response_id("fiscalite", "p-eve"), "rejected", "hors_sujet")
        mine = (await eve.get("/mes-contributions")).text
        assert "Refusée par la modération" in mine and "Motif : Hors sujet" in mine
        assert "Faire appel" in mine


async def test_my_contributions_query_count_does_not_grow(site: Site) -> None:
    store = site.container.store
    counts = []
    for n in (2, 45):
        pid = f"p-many-{n}"
        async with store.transaction() as tx:
            for i in range(n):
                cid = f"c{n}-{i:04d}"
                await tx.put(BY_AUTHOR, pid, cid, {
                    "id": cid, "kind": "proposal", "consultation_id": "gd", "author_id": pid,
                    "title": "Titre", "body": "Texte", "side": "", "moderation": "pre",
                    "submitted_at": "2026-01-01T00:00:00Z", "withdrawn": False})
        async with site.client(pid) as client:
            before = store.queries  # type: ignore[attr-defined]
            r = await client.get("/mes-contributions")
            assert r.status_code == 200
            counts.append(store.queries - before)  # type: ignore[attr-defined]
            assert ("Contributions plus anciennes" in r.text) == (n > 20)
    assert counts[0] == counts[1], counts
