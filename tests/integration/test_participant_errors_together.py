"""The participant's forms list every refused field at once (ADR 0144, amended
2026-12-08; RGAA 11.10): the summary links each field in the form's order, each
field shows its own message, and nothing is stored."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from harness.accessibility import problems
from harness.consultations import ORGANISER, grand_debat
from harness.deposit_world import QUESTIONS
from harness.forms import field_messages, summary_links
from harness.web import app_client, catch_up, make_container, make_deps

from services.consultation.content_commands import SaveQuestionnaire
from services.core.participants import ModeratorContext
from services.deposit.commands import SetContributionPolicy
from services.deposit.projections import BY_AUTHOR
from services.moderation.commands import ClaimItem, Decide
from services.runtime.bootstrap import Container
from services.web.app import create_web_app

NEW = "/consultations/grand-debat/propositions/nouvelle"
AVIS = "/consultations/grand-debat/questionnaires/avis/repondre"


class Site:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.app = create_web_app(make_deps(container))

    async def mine(self, participant: str) -> int:
        await catch_up(self.container)
        return await self.container.store.count(BY_AUTHOR, participant)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    container = make_container()
    async with container:
        await grand_debat(container, "gd", "grand-debat")
        await container.handle(SaveQuestionnaire("avis", "gd", "Votre avis", QUESTIONS),
                               ORGANISER)
        await catch_up(container)  # the policy is set on a consultation its read model shows
        await container.handle(SetContributionPolicy("gd", edit_minutes=60), ORGANISER)
        await catch_up(container)
        yield Site(container)


async def _form(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return {name: re.findall(rf'name="{name}" value="([^"]*)"', page.text)[0]
            for name in ("csrf_token", "cle")}


async def test_the_proposal_form_lists_three_bad_fields_at_once(site: Site) -> None:
    async with app_client(site.app, "p-alice") as alice:
        form = await _form(alice, NEW)
        r = await alice.post(NEW, data={**form, "title": "Bus", "body": "Plus",
                                        "territory": "99"})
        assert r.status_code == 400
        assert summary_links(r.text) == ["f-title", "f-body", "f-territory"]
        assert field_messages(r.text) == ["f-title", "f-body", "f-territory"]
        assert "Ce territoire est inconnu." in r.text
        assert 'aria-invalid="true" aria-describedby="f-territory-err"' in r.text
        assert problems(r.text) == []
        assert await site.mine("p-alice") == 0


async def test_the_questionnaire_lists_every_refused_answer(site: Site) -> None:
    async with app_client(site.app, "p-bob") as bob:
        form = await _form(bob, AVIS)
        r = await bob.post(AVIS, data={**form, "etape": "envoyer", "impots": "autre",
                                       "idees": "x" * 501})
        assert r.status_code == 400
        assert summary_links(r.text) == ["q-impots-oui", "q-idees"]
        assert field_messages(r.text) == ["q-impots", "q-idees"]
        assert "Précisez votre réponse « Autre »." in r.text
        assert "La réponse ne peut dépasser 500 caractères." in r.text
        assert 'aria-invalid="true" aria-describedby="q-idees-err"' in r.text
        assert problems(r.text) == []
        assert await site.mine("p-bob") == 0


async def test_a_required_follow_up_and_a_long_text_are_listed_together(site: Site) -> None:
    async with app_client(site.app, "p-bob") as bob:
        form = await _form(bob, AVIS)
        r = await bob.post(AVIS, data={**form, "etape": "envoyer", "impots": "oui",
                                       "idees": "x" * 501})
        assert r.status_code == 400
        assert summary_links(r.text) == ["q-lesquels", "q-idees"]
        assert "Cette question est obligatoire." in r.text


async def test_the_argument_and_edit_forms_list_both_fields(site: Site) -> None:
    async with app_client(site.app, "p-alice") as alice, \
            app_client(site.app, "p-bob") as bob:
        form = await _form(alice, NEW)
        proposal = {**form, "title": "Des bus gratuits",
                    "body": "Rendre les bus gratuits le dimanche."}
        assert (await alice.post(NEW, data=proposal)).status_code == 303
        await catch_up(site.container)
        moderator = ModeratorContext("p-moderator")
        await site.container.handle(ClaimItem(form["cle"], "gd", moderator), ORGANISER)
        await catch_up(site.container)
        await site.container.handle(Decide(form["cle"], "gd", moderator, "approved",
                                           "conforme"), ORGANISER)
        await catch_up(site.container)

        url = f"/consultations/grand-debat/propositions/{form['cle']}"
        page = (await bob.get(url)).text
        bob_form = {"csrf_token": re.findall(r'name="csrf_token" value="([^"]*)"', page)[0],
                    "cle": re.findall(r'name="cle" value="([^"]*)"', page)[0]}
        bad = await bob.post(url + "/arguments", data={**bob_form, "side": "peut-etre",
                                                       "body": "x"})
        assert bad.status_code == 400
        assert summary_links(bad.text) == ["side-for", "f-body"]
        assert field_messages(bad.text) == ["side", "f-body"]
        assert problems(bad.text) == []

        edit = f"/consultations/grand-debat/contributions/{form['cle']}/modifier"
        page = (await alice.get(edit)).text
        token = re.findall(r'name="csrf_token" value="([^"]*)"', page)[0]
        r = await alice.post(edit, data={"csrf_token": token, "title": "Bus", "body": "Plus"})
        assert r.status_code == 400
        assert summary_links(r.text) == ["f-title", "f-body"]
        assert field_messages(r.text) == ["f-title", "f-body"]
        assert problems(r.text) == []


async def test_the_api_lists_a_proposals_refused_fields(site: Site) -> None:
    from services.apikit.deps import participant_context
    from services.core.participants import ParticipantContext
    from services.runtime.app import create_app

    api = create_app(site.container)
    api.dependency_overrides[participant_context] = lambda: ParticipantContext("p-alice",
                                                                               "anonymous")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api),
                                 base_url="http://parlons.test") as client:
        r = await client.post("/api/consultations/gd/proposals",
                              headers={"Idempotency-Key": "cle-api-1"},
                              json={"title": "Bus", "body": "Plus", "territory": "99"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == "title"  # the first one's, as before (ADR 0144)
    assert [e["field"] for e in body["errors"]] == ["title", "body", "territory"]
