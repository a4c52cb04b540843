"""Back-office forms list every field's error at once (ADR 0144, RGAA 11.10): the
summary links to each field in the form's order, each field shows its own
message, and nothing is saved."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from harness.accessibility import problems
from harness.forms import csrf_of
from harness.web import ADMIN_PASSWORD, web_client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with web_client() as c:
        page = await c.get("/admin/connexion")
        r = await c.post("/admin/connexion", data={
            "csrf_token": csrf_of(page.text), "utilisateur": "orga",
            "mot_de_passe": ADMIN_PASSWORD, "suite": "/admin"})
        assert r.status_code == 303
        yield c


def _summary_links(html: str) -> list[str]:
    summary = html.split('class="fr-alert fr-alert--error', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">', summary)


def _field_messages(html: str) -> list[str]:
    return re.findall(r'id="(f-[^"]+)-err"', html)


async def _post(client: httpx.AsyncClient, address: str,
                data: dict[str, str | list[str]]) -> httpx.Response:
    page = await client.get(address)
    return await client.post(address, data={"csrf_token": csrf_of(page.text), **data})


async def test_the_consultation_form_lists_three_bad_fields_at_once(client: httpx.AsyncClient) -> None:
    r = await _post(client, "/admin/consultations/nouvelle", {
        "title": "", "slug": "Pas Valide!", "summary": "Un résumé correct.",
        "themes": "Mobilités\n" + "t" * 121})
    assert r.status_code == 400
    assert _summary_links(r.text) == ["f-title", "f-slug", "f-themes"]
    assert _field_messages(r.text) == ["f-title", "f-slug", "f-themes"]
    assert "Le titre doit compter au moins 3 caractères." in r.text
    assert "minuscules, des chiffres et des tirets" in r.text
    assert "Le titre du thème ne peut dépasser 120 caractères" in r.text
    assert problems(r.text) == []
    assert 'value="Un résumé correct."' in r.text or "Un résumé correct." in r.text
    dashboard = await client.get("/admin")
    assert "Pas Valide" not in dashboard.text


async def test_the_edit_form_says_each_refused_territory_on_the_list(client: httpx.AsyncClient) -> None:
    created = await _post(client, "/admin/consultations/nouvelle",
                          {"title": "Plan vélo", "slug": "plan-velo"})
    assert created.status_code == 303
    address = created.headers["location"]
    r = await _post(client, address, {"title": "ab", "moderation": "jamais",
                                      "territories": ["99", "69", "98"]})
    assert r.status_code == 400
    assert _summary_links(r.text) == ["f-title", "f-moderation", "f-territories"]
    assert "Le territoire « 99 » est inconnu. Le territoire « 98 » est inconnu." in r.text
    assert problems(r.text) == []


def _at(days: int) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


async def _consultation(client: httpx.AsyncClient) -> str:
    created = await _post(client, "/admin/consultations/nouvelle",
                          {"title": "Plan climat", "slug": "plan-climat"})
    assert created.status_code == 303
    return created.headers["location"] + "/phases"


async def test_the_phases_form_lists_every_rows_errors_at_once(client: httpx.AsyncClient) -> None:
    address = await _consultation(client)
    r = await _post(client, address, {
        "phases.0.kind": "information", "phases.0.title": "",
        "phases.0.starts_at": _at(1), "phases.0.ends_at": _at(5),
        "phases.1.kind": "deposit", "phases.1.title": "Dépôt",
        "phases.1.starts_at": _at(8), "phases.1.ends_at": _at(6),
        "phases.2.kind": "information",  # a blank row: the rows after it keep their number
        "phases.3.kind": "vote", "phases.3.title": "Vote",
        "phases.3.starts_at": _at(9), "phases.3.ends_at": _at(12),
        "phases.3.actions": "vote_support",
        "phases.3.vote.support_threshold": "0", "phases.3.vote.ranking_max": "5"})
    assert r.status_code == 400
    assert _summary_links(r.text) == [
        "f-phases.0.title", "f-phases.1.ends_at", "f-phases.3.vote.support_threshold"]
    assert _field_messages(r.text) == [
        "f-phases.0.title", "f-phases.1.ends_at", "f-phases.3.vote.support_threshold"]
    assert "La phase « Dépôt » doit se terminer après son début." in r.text
    assert problems(r.text) == []
    assert 'value="Dépôt"' not in (await client.get(address)).text  # nothing saved


async def test_unreadable_dates_are_listed_with_what_the_phases_read_refuse(client: httpx.AsyncClient) -> None:
    address = await _consultation(client)
    r = await _post(client, address, {
        "phases.0.kind": "information", "phases.0.title": "Information",
        "phases.0.starts_at": "", "phases.0.ends_at": _at(5),
        "phases.1.kind": "deposit", "phases.1.title": "",
        "phases.1.starts_at": _at(6), "phases.1.ends_at": _at(8),
        "phases.2.kind": "information", "phases.2.title": "Synthèse",
        "phases.2.starts_at": _at(9), "phases.2.ends_at": "demain"})
    assert r.status_code == 400
    assert _summary_links(r.text) == [
        "f-phases.0.starts_at", "f-phases.1.title", "f-phases.2.ends_at"]
    assert problems(r.text) == []


async def test_an_article_and_a_meeting_list_their_fields_together(
        client: httpx.AsyncClient) -> None:
    created = await _post(client, "/admin/consultations/nouvelle",
                          {"title": "Plan eau", "slug": "plan-eau"})
    base = created.headers["location"]
    article = await _post(client, f"{base}/articles",
                          {"title": "ab", "summary": "s" * 501, "body_markdown": ""})
    assert article.status_code == 400
    assert _summary_links(article.text) == ["f-title", "f-summary", "f-body_markdown"]
    assert problems(article.text) == []
    meeting = await _post(client, f"{base}/rencontres", {
        "title": "ab", "starts_at": _at(3), "ends_at": _at(2), "capacity": "0",
        "online_url": "https://visio.example.org/atelier"})
    assert meeting.status_code == 400
    assert _summary_links(meeting.text) == ["f-title", "f-ends_at", "f-capacity"]
    unreadable = await _post(client, f"{base}/rencontres", {
        "title": "Atelier", "starts_at": "", "ends_at": "demain", "latitude": "nord",
        "online_url": "https://visio.example.org/atelier"})
    assert _summary_links(unreadable.text) == ["f-starts_at", "f-ends_at", "f-latitude"]
    assert problems(unreadable.text) == []
