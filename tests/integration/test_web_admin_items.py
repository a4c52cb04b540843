"""Back office on existing items, through HTTP: edit articles, meetings and
questionnaires (question ids survive renumbering), remove documents and videos,
cancel a meeting, minutes, commission reports, preview of a draft; French errors
next to the field and nothing saved on error."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from harness.forms import post_form
from harness.web import login, make_container, new_consultation, web_client

from services.runtime.bootstrap import Container

MEETING = {"title": "Réunion publique", "starts_at": "2020-03-01T18:00",
           "ends_at": "2020-03-01T20:00", "address": "1 place de la Comédie",
           "postcode": "69001"}


@pytest.fixture
async def env() -> AsyncIterator[tuple[httpx.AsyncClient, Container, str]]:
    container = make_container()
    async with web_client(container) as client:
        await login(client)
        admin = await new_consultation(client)
        yield client, container, admin


async def only(container: Container, table: str, partition: str) -> dict[str, Any]:
    rows = await container.store.list(table, partition, limit=10)
    assert len(rows) == 1, rows
    return rows[0][1]


async def add(client: httpx.AsyncClient, admin: str, kind: str, data: dict[str, str],
              files: dict[str, tuple[str, bytes]] | None = None) -> httpx.Response:
    return await post_form(client, f"{admin}/{kind}", f"{admin}/{kind}", data, files)


async def test_article_is_edited_in_place(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    assert (await add(client, admin, "articles", {"title": "Premier jet",
                                                  "body_markdown": "Texte"})).status_code == 303
    article = await only(container, "articles", cid)
    url = f"{admin}/articles/{article['article_id']}"
    form = await client.get(url)
    assert form.status_code == 200 and 'value="Premier jet"' in form.text
    r = await post_form(client, url, url, {"title": "Version finale", "body_markdown": "**Oui**"})
    assert r.status_code == 303
    edited = await only(container, "articles", cid)
    assert edited["article_id"] == article["article_id"]
    assert edited["title"] == "Version finale" and "<strong>Oui</strong>" in edited["body_html"]


async def test_questionnaire_ids_stay_when_questions_are_renumbered(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    r = await add(client, admin, "questionnaires", {"title": "Vos déplacements", "questions": (
        "1. Avez-vous une voiture ? {unique}\n- Oui\n- Non\n"
        "2. Combien de kilomètres ? {libre} {si 1 = Oui}\n3. Autre remarque ? {libre}")})
    assert r.status_code == 303, r.text
    before = await only(container, "questionnaires", cid)
    ids = {q["text"]: q["question_id"] for q in before["questions"]}
    url = f"{admin}/questionnaires/{before['questionnaire_id']}"
    edit_text = (await client.get(url)).text
    assert "{réf " + ids["Autre remarque ?"] + "}" in edit_text
    # The organiser moves the last question first and renumbers everything.
    r = await post_form(client, url, url, {"title": "Vos déplacements", "questions": (
        f"1. Autre remarque ? {{libre}} {{réf {ids['Autre remarque ?']}}}\n"
        f"2. Avez-vous une voiture ? {{unique}} {{réf {ids['Avez-vous une voiture ?']}}}\n"
        "- Oui\n- Non\n- Parfois\n"
        f"3. Combien de kilomètres ? {{libre}} {{si 2 = Oui}} "
        f"{{réf {ids['Combien de kilomètres ?']}}}\n4. Nouvelle question ? {{libre}}")})
    assert r.status_code == 303, r.text
    after = (await only(container, "questionnaires", cid))["questions"]
    assert [q["text"] for q in after][:3] == ["Autre remarque ?", "Avez-vous une voiture ?",
                                              "Combien de kilomètres ?"]
    assert {q["text"]: q["question_id"] for q in after[:3]} == ids
    car_before = next(q for q in before["questions"] if q["text"].startswith("Avez"))
    car_after = after[1]
    assert car_after["options"][:2] == car_before["options"]  # same labels, same option ids
    assert after[2]["condition"] == {"question_id": ids["Avez-vous une voiture ?"],
                                     "option_ids": [car_before["options"][0]["option_id"]]}
    assert after[3]["question_id"] not in ids.values() and after[3]["question_id"] != "q4"


async def test_questionnaire_error_names_the_question_and_saves_nothing(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    r = await add(client, admin, "questionnaires", {
        "title": "Vos déplacements", "questions": "1. Oui ou non ? {unique}\n- Oui\n2. " +
        "x" * 1001})
    assert r.status_code == 400
    assert 'id="f-questions-err"' in r.text and "Question 2 : L&#39;intitulé ne peut dépasser" \
        in r.text
    assert await container.store.list("questionnaires", cid, limit=5) == []


async def test_meeting_edit_refuses_unknown_postcode_and_keeps_the_old_one(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    assert (await add(client, admin, "rencontres", MEETING)).status_code == 303
    meeting = await only(container, "meetings_by_consultation", cid)
    url = f"{admin}/rencontres/{meeting['meeting_id']}"
    assert 'value="69001"' in (await client.get(url)).text
    r = await post_form(client, url, url, {**MEETING, "postcode": "00000"})
    assert r.status_code == 400 and 'id="f-postcode-err"' in r.text
    assert "fr-input-group--error" in r.text
    assert (await only(container, "meetings_by_consultation", cid))["postcode"] == "69001"
    r = await post_form(client, url, url, {**MEETING, "title": "Réunion déplacée",
                                           "postcode": "75001"})
    assert r.status_code == 303
    edited = await only(container, "meetings_by_consultation", cid)
    assert (edited["title"], edited["commune"][:5]) == ("Réunion déplacée", "Paris")


async def test_meeting_cancelled_and_minutes_written_then_edited(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    assert (await add(client, admin, "rencontres", MEETING)).status_code == 303
    mid = (await only(container, "meetings_by_consultation", cid))["meeting_id"]
    minutes_url = f"{admin}/rencontres/{mid}/compte-rendu"
    r = await post_form(client, minutes_url, minutes_url, {"summary": "Débat riche.",
                                                           "attendance": "beaucoup"})
    assert r.status_code == 400 and 'id="f-attendance-err"' in r.text
    assert (await container.store.get("meetings", "all", mid))["minutes"] is None
    for summary in ("Débat riche.", "Débat riche et apaisé."):
        r = await post_form(client, minutes_url, minutes_url, {"summary": summary,
                                                               "attendance": "42"})
        assert r.status_code == 303
    assert "Débat riche et apaisé." in (await client.get(minutes_url)).text
    minutes = (await container.store.get("meetings", "all", mid))["minutes"]
    assert (minutes["summary"], minutes["attendance"]) == ("Débat riche et apaisé.", 42)
    r = await post_form(client, f"{admin}/rencontres", f"{admin}/rencontres/{mid}/annulation", {})
    assert r.status_code == 303
    assert (await container.store.get("meetings", "all", mid))["cancelled"] is True
    assert "Annulée" in (await client.get(f"{admin}/rencontres")).text


async def test_documents_and_videos_are_removed(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    r = await add(client, admin, "documents", {"title": "Étude"},
                  files={"file": ("etude.pdf", b"%PDF-1.4 test")})
    assert r.status_code == 303, r.text
    r = await add(client, admin, "videos", {"title": "Présentation",
                                            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"})
    assert r.status_code == 303, r.text
    for kind, table, key in (("documents", "documents", "document_id"),
                             ("videos", "videos", "video_id")):
        item_id = (await only(container, table, cid))[key]
        r = await post_form(client, f"{admin}/{kind}", f"{admin}/{kind}/{item_id}/suppression", {})
        assert r.status_code == 303
        assert await container.store.list(table, cid, limit=5) == []
    detail = await container.store.get("consultation_detail", "all", cid)
    assert detail["counts"]["documents"] == 0 and detail["counts"]["videos"] == 0


async def test_commission_reports_are_written_and_edited_in_place(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    r = await add(client, admin, "commissions", {"name": "Commission vélo",
                                                 "members": "Anne Dupont — présidente"})
    assert r.status_code == 303, r.text
    commission = await only(container, "commissions", cid)
    page = f"{admin}/commissions/{commission['commission_id']}"
    r = await post_form(client, page, f"{page}/rapports/nouveau", {"title": "Rapport",
                                                                  "body_markdown": ""})
    assert r.status_code == 400 and 'id="f-body_markdown-err"' in r.text
    r = await post_form(client, page, f"{page}/rapports/nouveau", {
        "title": "Rapport d'étape", "body_markdown": "Premier *jet*"})
    assert r.status_code == 303
    report_id = (await only(container, "commissions", cid))["reports"][0]["report_id"]
    edit = f"{page}/rapports/{report_id}"
    assert "Premier *jet*" in (await client.get(edit)).text
    r = await post_form(client, edit, edit, {"title": "Rapport final", "body_markdown": "Fini"})
    assert r.status_code == 303
    reports = (await only(container, "commissions", cid))["reports"]
    assert [(x["report_id"], x["title"]) for x in reports] == [(report_id, "Rapport final")]


async def test_bad_member_line_saves_no_commission(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    r = await add(client, admin, "commissions", {"name": "Commission vélo",
                                                 "members": "Anne — présidente\n — sans nom"})
    assert r.status_code == 400 and 'id="f-members-err"' in r.text and "Ligne 2" in r.text
    assert await container.store.list("commissions", cid, limit=5) == []


async def test_organiser_previews_a_draft_the_public_cannot_see(env):
    client, _, admin = env
    r = await client.get(f"{admin}/apercu")
    assert r.status_code == 200 and "pas publiée" in r.text and "Mobilités" in r.text
    assert r.headers["cache-control"] == "no-store"
    assert (await client.get("/consultations/mobilites")).status_code == 404


async def test_blank_phase_row_in_the_middle_keeps_error_on_the_right_row(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    r = await post_form(client, f"{admin}/phases", f"{admin}/phases", {
        "phases.0.kind": "information", "phases.0.title": "S'informer",
        "phases.0.starts_at": "2030-01-01T09:00", "phases.0.ends_at": "2030-01-10T18:00",
        "phases.1.kind": "information", "phases.1.title": "",
        "phases.1.starts_at": "", "phases.1.ends_at": "",
        "phases.2.kind": "vote", "phases.2.title": "Voter",
        "phases.2.starts_at": "2030-02-10T09:00", "phases.2.ends_at": "2030-02-01T18:00"})
    assert r.status_code == 400
    assert 'id="f-phases.2.ends_at-err"' in r.text and "Voter" in r.text
    assert 'id="f-phases.1.ends_at-err"' not in r.text
    assert (await container.store.get("consultation_detail", "all", cid))["phases"] == []


async def test_commission_members_are_added_and_removed_after_creation(env):
    client, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    assert (await add(client, admin, "commissions", {
        "name": "Commission vélo", "members": "Anne Dupont — présidente"})).status_code == 303
    commission = await only(container, "commissions", cid)
    page = f"{admin}/commissions/{commission['commission_id']}"
    r = await post_form(client, page, f"{page}/membres", {"display_name": "", "role": "membre"})
    assert r.status_code == 400 and 'id="f-display_name-err"' in r.text
    r = await post_form(client, page, f"{page}/membres",
                        {"display_name": "Karim <b>Benali</b>", "role": "rapporteur"})
    assert r.status_code == 303, r.text
    members = (await only(container, "commissions", cid))["members"]
    assert [(m["display_name"], m["role"]) for m in members] == [
        ("Anne Dupont", "présidente"), ("Karim <b>Benali</b>", "rapporteur")]
    shown = (await client.get(page)).text
    assert "Karim &lt;b&gt;Benali&lt;/b&gt; — rapporteur" in shown
    anne = members[0]["member_id"]
    r = await post_form(client, page, f"{page}/membres/{anne}/retrait", {})
    assert r.status_code == 303
    members = (await only(container, "commissions", cid))["members"]
    assert [m["display_name"] for m in members] == ["Karim <b>Benali</b>"]
    r = await post_form(client, page, f"{page}/membres/{anne}/retrait", {})
    assert r.status_code == 404


async def test_every_meeting_is_listed_a_page_at_a_time(env, monkeypatch):
    """A national consultation's meetings are thousands: the list showed the first
    100 only, and the others could not be edited, cancelled or given their minutes."""
    from services.web.backoffice import content

    monkeypatch.setattr(content, "CONTENT_PAGE", 2, raising=False)
    client, _, admin = env
    for day in (1, 2, 3):
        meeting = {**MEETING, "title": f"Réunion n°{day}",
                   "starts_at": f"2020-03-0{day}T18:00", "ends_at": f"2020-03-0{day}T20:00"}
        assert (await add(client, admin, "rencontres", meeting)).status_code == 303
    pages = [(await client.get(f"{admin}/rencontres")).text]
    assert f'href="{admin}/rencontres?page=2"' in pages[0]
    pages.append((await client.get(f"{admin}/rencontres?page=2")).text)
    shown = [n for page in pages for n in re.findall(r"Modifier « Réunion n°(\d) »", page)]
    assert sorted(shown) == ["1", "2", "3"]
