"""Meeting registration in HTML, without JavaScript (issue #18 item 5), on the
embedded platform: « S'inscrire » while seats are free, the waiting list once
full, « Annuler mon inscription » giving the seat to the first one waiting (told
by e-mail, once), the reminder the day before (once, in Paris time), the
organiser's attendance list (page and CSV, pseudonyms only), meetings in date
order, calendar files at 18:00 in Paris summer and winter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_of, post_form
from harness.meetings import act, meeting, notices, outbox
from harness.platform import (
    SYSTEM,
    Platform,
    open_platform,
    participant,
    session_client,
    until,
)

from services.consultation.content_commands import CancelMeeting
from services.consultation.meeting_handlers import load_meeting
from services.consultation.meeting_notices import send_promotion_notices, send_reminders
from services.identity.commands import GrantRole
from services.identity.queries import roles_in
from services.web.deps import web_of_app

PARIS = ZoneInfo("Europe/Paris")


async def test_full_meeting_waiting_list_and_a_cancellation_promotes(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    ids = {name: await participant(p, name) for name in ("Alice", "Bruno", "Chloe")}
    page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3))
    async with session_client(p, None) as anonymous:
        shown = await anonymous.get(page)
        assert "Se connecter pour s\u2019inscrire" in shown.text
        assert f"{page}/inscription" not in shown.text
        sent = await anonymous.post(f"{page}/inscription", data={"csrf_token": "x"})
        assert sent.status_code in (303, 403)
    async with (session_client(p, ids["Alice"]) as alice, session_client(p, ids["Bruno"]) as bruno,
                session_client(p, ids["Chloe"]) as chloe):
        r = await act(alice, page, "inscription")
        assert r.status_code == 303 and r.headers["location"].endswith("?inscription=inscrit")
        shown = await alice.get(r.headers["location"])
        assert "Votre inscription est enregistrée" in shown.text
        assert "Vous êtes inscrit·e" in shown.text and "1 inscrit sur 2" in shown.text
        assert (await act(bruno, page, "inscription")).headers["location"].endswith("inscrit")
        # without the form's token: refused, nothing written
        forged = await chloe.post(f"{page}/inscription", data={"csrf_token": "forged"})
        assert forged.status_code == 403 and "formulaire a expiré" in forged.text
        assert "2 inscrits sur 2" in (await chloe.get(page)).text
        r = await act(chloe, page, "inscription")
        assert r.headers["location"].endswith("?inscription=attente")
        shown = await chloe.get(page)
        assert "liste d\u2019attente (position 1)" in shown.text
        assert "2 inscrits sur 2 ; 1 en liste d\u2019attente" in shown.text
        # Alice gives up her seat: Chloe takes it, in the same step
        r = await act(alice, page, "desinscription")
        assert r.headers["location"].endswith("?inscription=annulee")
        assert "Vous êtes inscrit·e" in (await chloe.get(page)).text
        again = await alice.post(f"{page}/desinscription",
                                 data={"csrf_token": csrf_of((await alice.get(page)).text)})
        assert again.status_code == 400 and "étiez pas inscrit" in again.text
    async with session_client(p, None) as anonymous:
        public = (await anonymous.get(page)).text
        assert "2 inscrits sur 2" in public and "liste d\u2019attente" not in public
    # the promoted person is told once, whatever the number of jobs
    async def pending() -> bool:
        return bool(await p.container.store.list("meeting_promotions_pending", "all"))
    await until(pending)
    assert await send_promotion_notices(**notices(p)) == 1  # type: ignore[arg-type]
    assert await send_promotion_notices(**notices(p)) == 0  # type: ignore[arg-type]
    told = [m for m in await outbox(p) if "Une place s'est libérée" in m["body"]]
    assert len(told) == 1 and told[0]["to"] == "chloe@exemple.fr"


async def test_reminder_the_day_before_sent_once_in_paris_time(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    alice, bruno = await participant(p, "Alice"), await participant(p, "Bruno")
    tomorrow = (p.clock.now() + timedelta(days=2)).astimezone(PARIS)
    starts = tomorrow.replace(hour=18, minute=0, second=0, microsecond=0)
    page = await meeting(p, "soon", starts)
    await meeting(p, "later", starts + timedelta(days=5), title="Plus tard")
    async with session_client(p, alice) as a, session_client(p, bruno) as b:
        await act(a, page, "inscription")
        await act(b, page, "inscription")
        await act(b, page, "desinscription")  # gave up: not reminded
        await act(a, "/evenements/later", "inscription")
    assert await send_reminders(**notices(p)) == 0  # two days ahead: not yet  # type: ignore[arg-type]
    p.clock.advance(starts - timedelta(hours=20) - p.clock.now())
    assert await send_reminders(**notices(p)) == 1  # type: ignore[arg-type]
    assert await send_reminders(**notices(p)) == 0  # type: ignore[arg-type]
    reminders = [m for m in await outbox(p) if "rappel" in m["subject"]]
    assert [m["to"] for m in reminders] == ["alice@exemple.fr"]
    assert "Réunion publique" in reminders[0]["subject"]
    assert f"le {starts.day} " in reminders[0]["body"] and "à 18 h 00 (heure de Paris)" in \
        reminders[0]["body"]


async def test_attendance_list_is_the_organisers_with_pseudonyms_only(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    alice, orla = await participant(p, "Alice"), await participant(p, "Orla")
    await p.container.handle(GrantRole(orla, "c1", "organiser"), SYSTEM)

    async def granted() -> bool:
        return "organiser" in await roles_in(p.container.store, orla, "c1")
    await until(granted)
    page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3), capacity=1)
    async with session_client(p, alice) as a:
        await act(a, page, "inscription")
        assert (await a.get("/admin/consultations/c1/rencontres/m1/inscrits")).status_code == 403
        assert (await a.get("/admin/consultations/c1/rencontres/m1/inscrits.csv")
                ).status_code == 403
    async with session_client(p, orla) as organiser:
        listing = await organiser.get("/admin/consultations/c1/rencontres")
        assert 'href="/admin/consultations/c1/rencontres/m1/inscrits"' in listing.text
        shown = await organiser.get("/admin/consultations/c1/rencontres/m1/inscrits")
        assert shown.status_code == 200 and "Alice" in shown.text and "Inscrit·e" in shown.text
        assert "1 inscrit sur 1 place." in shown.text  # « 1 places »
        assert "@" not in shown.text.split("<main", 1)[-1].split("</main>")[0]
        csv = await organiser.get("/admin/consultations/c1/rencontres/m1/inscrits.csv")
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[1:] == ["1,Alice,Inscrit·e,"]
        assert "@" not in csv.text and alice not in csv.text
        other = await organiser.get("/admin/consultations/c2/rencontres/m1/inscrits")
        assert other.status_code == 403


async def test_fewer_seats_than_people_registered_is_refused(platform: Platform) -> None:
    """« Nombre de places » set to 1 with 2 registered was accepted (« 2 inscrits sur
    1 places »), and a cancellation then promoted the one waiting beyond it."""
    p = platform
    await open_consultation(p, "c1", level="email")
    people = [await participant(p, name) for name in ("Alice", "Bruno", "Chloe")]
    page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3), capacity=2)
    for who in people:
        async with session_client(p, who) as client:
            assert (await act(client, page, "inscription")).status_code == 303
    edit = "/admin/consultations/c1/rencontres/m1"
    async with session_client(p, "orga", kind="admin") as admin:
        form = await admin.get(edit)
        values = dict(re.findall(r'<input[^>]* name="([a-z_]+)"[^>]* value="([^"]*)"', form.text))
        r = await post_form(admin, edit, edit, {**values, "capacity": "1"})
        assert r.status_code == 400, r.text
        error = r.text.split('id="f-capacity-err" class="fr-error-text">', 1)[1]
        assert error.startswith("2 personnes sont déjà inscrites : le nombre de places ne peut "
                                "pas être inférieur à 2.")
        shown = await admin.get(f"{edit}/inscrits")
        assert "2 inscrits sur 2 places, 1 en liste d\u2019attente." in shown.text
    state = await load_meeting(p.container.log, "m1")
    assert (state.capacity, len(state.seated), len(state.waiting)) == (2, 2, 1)


async def test_meetings_are_listed_in_date_order(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    now = datetime.now(UTC)
    for mid, days in (("late", 10), ("early", 2), ("middle", 5)):
        await meeting(p, mid, now + timedelta(days=days), title=f"Rencontre {mid}")
    async with session_client(p, None) as anonymous:
        for url in ("/evenements", "/consultations/c1/rencontres"):
            text = (await anonymous.get(url)).text
            assert re.findall(r"Rencontre (early|middle|late)", text) == [
                "early", "middle", "late"], url


async def test_calendar_file_says_18_00_in_paris_summer_and_winter(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    summer = datetime(2027, 7, 1, 18, tzinfo=PARIS)  # 16:00 UTC
    winter = datetime(2027, 1, 14, 18, tzinfo=PARIS)  # 17:00 UTC
    async with session_client(p, None) as anonymous:
        for mid, starts in (("ete", summer), ("hiver", winter)):
            await meeting(p, mid, starts)
            ics = (await anonymous.get(f"/evenements/{mid}/calendrier.ics")).text
            day = starts.strftime("%Y%m%d")
            assert f"DTSTART;TZID=Europe/Paris:{day}T180000\r\n" in ics
            assert f"DTEND;TZID=Europe/Paris:{day}T200000\r\n" in ics
            assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\n" in ics
            page = (await anonymous.get(f"/evenements/{mid}")).text
            assert "à 18 h 00" in page


async def test_registration_counts_against_its_own_rate_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_platform(tmp_path, monkeypatch, env={"RATE_LIMITS": "meeting=2/60"}) as p:
        await open_consultation(p, "c1", level="email")
        alice = await participant(p, "Alice")
        page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3), capacity=None)
        async with session_client(p, alice) as a:
            assert (await act(a, page, "inscription")).status_code == 303
            assert (await act(a, page, "desinscription")).status_code == 303
            third = await act(a, page, "inscription")
            assert third.status_code == 429 and "Retry-After" in third.headers
            assert "Trop de demandes" in third.text


async def test_a_past_or_cancelled_meeting_takes_no_registration(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    alice = await participant(p, "Alice")
    past = await meeting(p, "past", datetime.now(UTC) - timedelta(days=2))
    soon = await meeting(p, "soon", datetime.now(UTC) + timedelta(days=2))
    await p.container.handle(CancelMeeting("soon", "c1"), SYSTEM)

    async def cancelled() -> bool:
        doc = await p.container.store.get("meetings", "all", "soon")
        return doc is not None and doc["cancelled"]
    await until(cancelled)
    async with session_client(p, alice) as a:
        for page in (past, soon):
            shown = await a.get(page)
            assert "Les inscriptions à cette rencontre sont closes." in shown.text
            assert f"{page}/inscription" not in shown.text
            token = (await a.get("/api/session")).json()["csrf_token"]  # no form to read
            sent = await a.post(f"{page}/inscription", data={"csrf_token": token})
            assert sent.status_code == 400 and "inscriptions à cette rencontre sont closes" \
                in sent.text


async def test_registering_needs_an_account_not_an_anonymous_session(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="anonymous")
    page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3))
    async with p.client() as anonymous:
        web = web_of_app(p.app)
        anonymous.cookies.set(web.sessions.cookie, web.sessions.issue(
            "p-sans-compte", kind="participant", level="anonymous"), domain="parlons.test")
        shown = await anonymous.get(page)
        assert "une participation sans compte ne suffit pas" in shown.text
        assert f"{page}/inscription" not in shown.text
        token = (await anonymous.get("/api/session")).json()["csrf_token"]  # no form shown
        sent = await anonymous.post(f"{page}/inscription", data={"csrf_token": token})
        assert sent.status_code == 403 and "sans compte ne suffit pas" in sent.text
    state = await load_meeting(p.container.log, "m1")
    assert state.seated == () and state.waiting == ()


async def test_meetings_to_come_first_then_those_gone_a_page_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every meeting ever was listed from the first in date order: during a national
    consultation's months, the first pages held past meetings."""
    monkeypatch.setenv("PARLONS_PAGE_SIZE", "2")
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_consultation(p, "c1", level="email")
        now = datetime.now(UTC)
        for mid, days in (("passee1", -30), ("passee2", -20), ("passee3", -10),
                          ("proche", 2), ("ensuite", 5), ("tard", 10)):
            await meeting(p, mid, now + timedelta(days=days), title=f"Rencontre {mid}")

        def shown(html: str) -> list[str]:
            return re.findall(r"Rencontre (\w+)</a>", html)

        async def walk(url: str) -> list[list[str]]:
            pages = []
            while url:
                html = (await anonymous.get(url)).text
                pages.append(shown(html))
                found = re.findall(r'href="([^"?]+\?[^"]*apres=[^"]+)"', html)
                url = found[0].replace("&amp;", "&") if found else ""
            return pages

        async with session_client(p, None) as anonymous:
            for listing in ("/evenements", "/consultations/c1/rencontres"):  # all, its own
                assert await walk(listing) == [["proche", "ensuite"], ["tard"]]
                assert await walk(f"{listing}?passees=1") == [
                    ["passee3", "passee2"], ["passee1"]]
                assert f'href="{listing}?passees=1"' in (await anonymous.get(listing)).text
