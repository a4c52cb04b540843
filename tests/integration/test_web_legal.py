"""The legal and accessibility pages a French public site owes (issue #18 item 7):
linked from every page's footer, true to the settings and to the last automated
accessibility audit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from harness.web import web_client

from services.identity.settings import IdentitySettings
from services.web.public.audit_summary import summary
from services.web.public.legal import FOOTER, accessibility_audit


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("PARLONS_LEGAL_PUBLISHER", "Ministère de l\u2019Exemple")
    monkeypatch.setenv("PARLONS_LEGAL_DPO_CONTACT", "dpd@exemple.gouv.fr")
    async with web_client() as c:
        yield c


async def test_every_footer_links_the_four_pages_and_each_answers_in_french(client):
    home = await client.get("/")
    for href, label in FOOTER:
        assert f'href="{href}"' in home.text and label in home.text
        page = await client.get(href)
        assert page.status_code == 200, href
        assert '<html lang="fr"' in page.text


async def test_legal_notice_and_privacy_name_the_publisher_and_the_rights(client):
    notice = (await client.get("/mentions-legales")).text
    assert "édité par Ministère de l\u2019Exemple" in notice
    assert "non renseigné par l\u2019éditeur" in notice  # no address given: said, not invented
    privacy = (await client.get("/donnees-personnelles")).text
    assert "dpd@exemple.gouv.fr" in privacy and "6-1-e" in privacy
    assert "/compte" in privacy and "CNIL" in privacy
    lifetime = IdentitySettings().magic_link_minutes  # what the platform really does
    assert f"valables {lifetime} minutes" in privacy


async def test_privacy_states_the_erasure_policy(client):
    privacy = (await client.get("/donnees-personnelles")).text  # ADR 0044
    words = " ".join(privacy.split())
    assert "Effacement de votre compte" in words and "avant d\u2019être enregistrées" in words
    assert "restent comptés, de façon anonyme" in words
    assert "inscriptions aux rencontres et les avis de suite" in words


async def test_the_accessibility_statement_reports_the_last_audit(client):
    audit = accessibility_audit()
    page = (await client.get("/accessibilite")).text
    assert "partiellement conforme" in page and "RGAA" in page
    assert f"sur {len(audit['pages'])} pages" in page
    assert "Défenseur des droits" in page


async def test_the_sitemap_lists_the_published_consultations_and_the_legal_pages(client):
    page = (await client.get("/plan-du-site")).text
    for href, _ in FOOTER[1:]:
        assert f'href="{href}"' in page


def test_the_audit_summary_counts_each_rule_once_per_page_checked() -> None:
    lines = [
        {"what": "accueil", "path": "/", "axe": "4.14.1",
         "violations": [{"id": "region", "impact": "moderate", "help": "Régions"}]},
        {"what": "accueil", "path": "/", "axe": "4.14.1",
         "violations": [{"id": "region", "impact": "moderate", "help": "Régions"}]},
        {"what": "vote", "path": "/vote", "axe": "4.14.1", "violations": []},
    ]
    result = summary(lines, "2026-12-04")
    assert result["pages"] == ["accueil", "vote"]  # by name, not the test data's address
    named = summary([{"what": "vote sequence", "path": "/vote/x", "axe": "4", "violations": []}],
                    "2026-12-04")
    assert named["pages"] == ["vote sur les propositions"]  # the tests' English, in French
    assert result["counts"] == {"critical": 0, "serious": 0, "moderate": 1, "minor": 0}
    assert result["rules"] == [{"id": "region", "impact": "moderate", "help": "Régions",
                                "pages": 1}]


async def test_the_header_has_an_account_link_and_a_dsfr_mobile_menu(client):
    home = (await client.get("/")).text
    assert 'href="/compte"' in home and "Se connecter" in home
    assert 'aria-controls="menu-mobile"' in home and 'id="menu-mobile"' in home
    assert 'class="fr-header__menu-links"' in home  # DSFR copies the tools links there
    account = await client.get("/compte", follow_redirects=False)
    assert account.status_code == 303 and account.headers["location"] == "/connexion"
