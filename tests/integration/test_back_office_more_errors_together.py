"""More back-office forms list every refused field at once (ADR 0144, amended
2026-12-08): a commission's creation form (name, description, each bad member
line), its edit form (a name taken with its description), a member's name and
role, a report's title and text, a document's title beside its file; each linked
from the summary and shown beside its field."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

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




async def _post(client: httpx.AsyncClient, address: str,
                data: dict[str, str], *, shown: str = "") -> httpx.Response:
    page = await client.get(shown or address)
    return await client.post(address, data={"csrf_token": csrf_of(page.text), **data})


async def _consultation(client: httpx.AsyncClient) -> str:
    created = await _post(client, "/admin/consultations/nouvelle",
                          {"title": "Plan eau", "slug": "plan-eau"})
    assert created.status_code == 303
    return str(created.headers["location"])


async def test_the_commission_form_lists_its_fields_and_every_bad_member_line(
        client: httpx.AsyncClient) -> None:
    base = await _consultation(client)
    r = await _post(client, f"{base}/commissions", {
        "name": "ab", "description": "d" * 5001,
        "members": "Anne — présidente\n — rôle sans nom\n\n" + "x" * 201})
    assert r.status_code == 400
    assert summary_links(r.text) == ["f-name", "f-description", "f-members"]
    assert field_messages(r.text) == ["f-name", "f-description", "f-members"]
    assert "Ligne 2 : « Nom — rôle »" in r.text and "Ligne 4 : « Nom — rôle »" in r.text
    assert "La description ne peut dépasser 5000 caractères" in r.text
    assert problems(r.text) == []
    assert "Anne" not in (await client.get(f"{base}/commissions")).text.split("<form", 1)[0]


async def test_the_edit_member_and_report_forms_list_both_fields(
        client: httpx.AsyncClient) -> None:
    base = await _consultation(client)
    ok = await _post(client, f"{base}/commissions", {"name": "Commission eau",
                                                     "description": "Suivi."})
    assert ok.status_code == 303
    assert (await _post(client, f"{base}/commissions", {"name": "Commission vélo"})
            ).status_code == 303
    listing = (await client.get(f"{base}/commissions")).text
    edits = re.findall(r'href="([^"]+/commissions/([^"/]+))/modification"', listing)
    by_name = {}
    for page, _ in edits:
        shown = (await client.get(page + "/modification")).text
        by_name["eau" if "Commission eau" in shown else "velo"] = page
    edit = by_name["velo"] + "/modification"
    r = await _post(client, edit, {"name": "commission  EAU", "description": "d" * 5001})
    assert r.status_code == 400
    assert summary_links(r.text) == ["f-name", "f-description"]
    assert "s'appelle déjà « Commission eau »" in r.text.replace("&#39;", "'")
    assert problems(r.text) == []

    page = by_name["eau"]
    member = await _post(client, page + "/membres", {"display_name": "", "role": "r" * 201},
                         shown=page)
    assert member.status_code == 400
    assert summary_links(member.text) == ["f-display_name", "f-role"]
    assert field_messages(member.text) == ["f-display_name", "f-role"]
    report = await _post(client, page + "/rapports/nouveau",
                         {"title": "ab", "body_markdown": ""}, shown=page)
    assert report.status_code == 400
    assert summary_links(report.text) == ["f-title", "f-body_markdown"]
    assert problems(report.text) == []


async def test_the_document_form_says_its_title_beside_its_file(
        client: httpx.AsyncClient) -> None:
    base = await _consultation(client)
    page = await client.get(f"{base}/documents")
    for file in (("", b""), ("outil.exe", b"MZ\x90\x00\x03\x00\x00\x00")):
        r = await client.post(f"{base}/documents", data={
            "csrf_token": csrf_of(page.text), "title": ""}, files={"file": file})
        assert r.status_code == 400
        assert summary_links(r.text) == ["f-title", "f-file"]
        assert field_messages(r.text) == ["f-title", "f-file"]
        assert problems(r.text) == []


async def test_the_questionnaire_editor_lists_the_title_and_every_refused_question(
        client: httpx.AsyncClient) -> None:
    base = await _consultation(client)
    r = await _post(client, f"{base}/questionnaires", {
        "title": "ab", "description": "",
        "questions": "1. " + "x" * 1001 + "\n2. Votre mode ? {unique}\n- " + "o" * 201
                     + "\n- Bus\n3. Et encore ?"})
    assert r.status_code == 400
    assert summary_links(r.text) == ["f-title", "f-questions"]
    assert field_messages(r.text) == ["f-title", "f-questions"]
    page = r.text.replace("&#39;", "'")
    assert "Question 1 : L'intitulé ne peut dépasser 1000 caractères" in page
    assert "Question 2 : Le libellé ne peut dépasser 200 caractères" in page
    assert problems(r.text) == []


async def test_an_unreadable_editor_text_is_said_with_the_title(
        client: httpx.AsyncClient) -> None:
    base = await _consultation(client)
    r = await _post(client, f"{base}/questionnaires", {
        "title": "", "questions": "- une option sans question"})
    assert r.status_code == 400
    assert summary_links(r.text) == ["f-title", "f-questions"]
    assert "Ligne 1 : une option doit suivre une question." in r.text


async def test_every_unreadable_line_of_the_editor_is_listed(
        client: httpx.AsyncClient) -> None:
    base = await _consultation(client)
    r = await _post(client, f"{base}/questionnaires", {
        "title": "ab", "questions": "1. Bonjour\n1. Encore\n2. Et ? {bizarre}"})
    assert r.status_code == 400
    assert summary_links(r.text) == ["f-title", "f-questions"]
    page = r.text.replace("&#39;", "'")
    assert "Ligne 2 : le numéro 1 est déjà pris." in page
    assert "Ligne 3 : étiquette inconnue {bizarre}." in page
    assert problems(r.text) == []
