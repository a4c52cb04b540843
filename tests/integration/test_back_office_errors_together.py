"""Back-office forms list every field's error at once (ADR 0144, RGAA 11.10): the
summary links to each field in the form's order, each field shows its own
message, and nothing is saved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from harness.accessibility import problems
from harness.forms import csrf_of, field_messages, summary_links
from harness.web import login, web_client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with web_client() as c:
        await login(c)
        yield c


PARIS = ZoneInfo("Europe/Paris")  # the phases form's times




async def _post(client: httpx.AsyncClient, address: str,
                data: dict[str, str | list[str]]) -> httpx.Response:
    page = await client.get(address)
    return await client.post(address, data={"csrf_token": csrf_of(page.text), **data})


async def test_the_consultation_form_lists_three_bad_fields_at_once(
        client: httpx.AsyncClient) -> None:
    r = await _post(client, "/admin/consultations/nouvelle", {
        "title": "", "slug": "Pas Valide!", "summary": "Un résumé correct.",
        "themes": "Mobilités\n\n" + "t" * 121})  # a blank line is no theme
    assert r.status_code == 400
    assert summary_links(r.text) == ["f-title", "f-slug", "f-themes"]
    assert field_messages(r.text) == ["f-title", "f-slug", "f-themes"]
    assert "Le titre doit compter au moins 3 caractères." in r.text
    assert "minuscules, des chiffres et des tirets" in r.text
    assert "Thème 2 : Le titre du thème ne peut dépasser 120 caractères" in r.text
    assert problems(r.text) == []
    assert 'value="Un résumé correct."' in r.text or "Un résumé correct." in r.text
    dashboard = await client.get("/admin")
    assert "Pas Valide" not in dashboard.text


async def test_the_edit_form_says_each_refused_territory_on_the_list(
        client: httpx.AsyncClient) -> None:
    created = await _post(client, "/admin/consultations/nouvelle",
                          {"title": "Plan vélo", "slug": "plan-velo"})
    assert created.status_code == 303
    address = created.headers["location"]
    r = await _post(client, address, {"title": "ab", "moderation": "jamais",
                                      "territories": ["99", "69", "98"]})
    assert r.status_code == 400
    assert summary_links(r.text) == ["f-title", "f-moderation", "f-territories"]
    assert "Le territoire « 99 » est inconnu. Le territoire « 98 » est inconnu." in r.text
    assert problems(r.text) == []


def _at(days: int) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


async def _consultation(client: httpx.AsyncClient) -> str:
    created = await _post(client, "/admin/consultations/nouvelle",
                          {"title": "Plan climat", "slug": "plan-climat"})
    assert created.status_code == 303
    return created.headers["location"] + "/phases"


async def test_the_phases_form_lists_every_rows_errors_at_once(
        client: httpx.AsyncClient) -> None:
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
    assert summary_links(r.text) == [
        "f-phases.0.title", "f-phases.1.ends_at", "f-phases.3.vote.support_threshold"]
    assert field_messages(r.text) == [
        "f-phases.0.title", "f-phases.1.ends_at", "f-phases.3.vote.support_threshold"]
    assert "La phase « Dépôt » doit se terminer après son début." in r.text
    assert problems(r.text) == []
    assert 'value="Dépôt"' not in (await client.get(address)).text  # nothing saved


async def test_unreadable_dates_are_listed_with_what_the_phases_read_refuse(
        client: httpx.AsyncClient) -> None:
    address = await _consultation(client)
    r = await _post(client, address, {
        "phases.0.kind": "information", "phases.0.title": "Information",
        "phases.0.starts_at": "", "phases.0.ends_at": _at(5),
        "phases.1.kind": "deposit", "phases.1.title": "",
        "phases.1.starts_at": _at(6), "phases.1.ends_at": _at(8),
        "phases.2.kind": "information", "phases.2.title": "Synthèse",
        "phases.2.starts_at": _at(9), "phases.2.ends_at": "demain"})
    assert r.status_code == 400
    assert summary_links(r.text) == [
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
    assert summary_links(article.text) == ["f-title", "f-summary", "f-body_markdown"]
    assert problems(article.text) == []
    meeting = await _post(client, f"{base}/rencontres", {
        "title": "ab", "starts_at": _at(3), "ends_at": _at(2), "capacity": "0",
        "online_url": "https://visio.example.org/atelier"})
    assert meeting.status_code == 400
    assert summary_links(meeting.text) == ["f-title", "f-ends_at", "f-capacity"]
    unreadable = await _post(client, f"{base}/rencontres", {
        "title": "Atelier", "starts_at": "", "ends_at": "demain", "latitude": "nord",
        "online_url": "https://visio.example.org/atelier"})
    assert summary_links(unreadable.text) == ["f-starts_at", "f-ends_at", "f-latitude"]
    assert problems(unreadable.text) == []


async def test_a_frozen_phase_after_a_blank_row_is_refused_on_its_own_row() -> None:
    """The refusal of a frozen phase names its form row already: it was mapped
    again as if it named the command's index, and landed on the next row."""
    from datetime import UTC

    from harness.platform import SYSTEM
    from harness.web import catch_up, make_container

    from services.consultation.commands import (
        CreateConsultation,
        PhaseSpec,
        PublishConsultation,
        SchedulePhases,
    )
    from services.vote.commands import FreezeResults

    container = make_container()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ended = PhaseSpec("vote", "vote", "Vote", now - timedelta(days=3), now - timedelta(days=1),
                      actions=("vote_agree",))
    later = PhaseSpec("suite", "follow_up", "Suites", now + timedelta(days=1),
                      now + timedelta(days=9))
    for cmd in (CreateConsultation("c-fige", "Vote figé", "vote-fige"),
                SchedulePhases("c-fige", (ended, later)), PublishConsultation("c-fige")):
        await container.handle(cmd, SYSTEM)
    await catch_up(container)
    assert (await container.handle(FreezeResults("c-fige", "vote"), SYSTEM))["status"] == "frozen"
    await catch_up(container)
    local = "%Y-%m-%dT%H:%M"
    async with web_client(container) as c:
        await login(c)
        r = await _post(c, "/admin/consultations/c-fige/phases", {
            "phases.0.kind": "information",  # blank
            "phases.1.phase_id": "vote", "phases.1.kind": "vote", "phases.1.title": "Vote",
            "phases.1.actions": "vote_agree",
            "phases.1.starts_at": (now - timedelta(days=3)).astimezone(PARIS).strftime(local),
            "phases.1.ends_at": (now + timedelta(hours=12)).astimezone(PARIS).strftime(local),
            "phases.2.phase_id": "suite", "phases.2.kind": "follow_up",
            "phases.2.title": "Suites",
            "phases.2.starts_at": (now + timedelta(days=1)).astimezone(PARIS).strftime(local),
            "phases.2.ends_at": (now + timedelta(days=9)).astimezone(PARIS).strftime(local)})
    assert r.status_code == 400 and "sont figés" in r.text
    assert summary_links(r.text) == ["f-phases.1.ends_at"]
