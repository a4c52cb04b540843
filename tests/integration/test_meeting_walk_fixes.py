"""A walk's findings on meetings, on the embedded platform over HTTP (ADR 0139):
registering only while the consultation's phase offers it (the page says so,
without a form; cancelling stays possible), an erased account's seat given to
the first one waiting, a cancellation told to the people on the meeting and
marked on the consultation's page, the back office's « Annuler » and
« Supprimer » confirmed without JavaScript, calendar files stamped when made."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from harness.consultations import deposit_phase, open_consultation, publish
from harness.forms import admin_client, csrf_of, post_form
from harness.meetings import act, meeting, notices, outbox
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.consultation.commands import PhaseSpec, SchedulePhases
from services.consultation.content_commands import AttachVideo
from services.consultation.meeting_handlers import load_meeting
from services.consultation.meeting_notices import (
    send_cancellation_notices,
    send_promotion_notices,
)

ADMIN = "/admin/consultations/c1"


async def phases(p: Platform, *specs: PhaseSpec) -> None:
    """c1's phases replaced; returns once its page's read model shows them."""
    await p.container.handle(SchedulePhases("c1", specs), SYSTEM)

    async def shown() -> bool:
        doc = await p.container.store.get("consultation_detail", "all", "c1")
        return doc is not None and [x["phase_id"] for x in doc["phases"]] == [
            s.phase_id for s in specs] and all(
            x["actions"] == list(s.actions or ()) for x, s in zip(doc["phases"], specs,
                                                                  strict=True))
    await until(shown)


async def test_registering_is_a_phase_action_cancelling_is_always_possible(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")  # its phase offers registrations
    alice, bruno = await participant(p, "Alice"), await participant(p, "Bruno")
    page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3))
    async with session_client(p, None) as anonymous:
        assert "0 inscrit sur 2" in (await anonymous.get(page)).text  # « 0 inscrits »
    async with session_client(p, alice) as a:
        assert (await act(a, page, "inscription")).status_code == 303
    now = datetime.now(UTC)
    opens = now + timedelta(days=1)
    # « s'inscrire à une rencontre » unticked in the phase open now, ticked in the next
    await phases(p, PhaseSpec("depot", "deposit", "Dépôt", now - timedelta(hours=1), opens,
                              actions=("deposit", "comment")),
                 PhaseSpec("debat", "debate", "Débat", opens, now + timedelta(days=10),
                           actions=("debate", "register_meeting")))
    async with session_client(p, bruno) as b:
        shown = (await b.get(page)).text
        assert "Les inscriptions aux rencontres de cette consultation ne sont pas ouvertes " \
               "en ce moment. Elles ouvriront le " in shown
        assert f"{page}/inscription" not in shown
        token = (await b.get("/api/session")).json()["csrf_token"]  # no form to read
        sent = await b.post(f"{page}/inscription", data={"csrf_token": token})
        assert sent.status_code == 400 and "ne sont pas ouvertes en ce moment" in sent.text
    async with session_client(p, None) as anonymous:
        shown = (await anonymous.get(page)).text
        assert "ne sont pas ouvertes" in shown and "Se connecter pour s\u2019inscrire" not in shown
    async with session_client(p, alice) as a:  # registered before: may still give it up
        shown = (await a.get(page)).text
        assert "Vous êtes inscrit·e" in shown and f"{page}/desinscription" in shown
        assert (await act(a, page, "desinscription")).headers["location"].endswith("annulee")
    state = await load_meeting(p.container.log, "m1")
    assert (state.seated, state.waiting) == ((), ())


async def test_an_erased_account_gives_its_seat_to_the_first_one_waiting(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    alice, bruno = await participant(p, "Alice"), await participant(p, "Bruno")
    page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3), capacity=1)
    soon = await meeting(p, "soon", p.clock.now() + timedelta(minutes=30), capacity=1)
    async with session_client(p, alice) as a:
        for url in (page, soon):
            assert (await act(a, url, "inscription")).headers["location"].endswith("inscrit")
    async with session_client(p, bruno) as b:
        assert (await act(b, page, "inscription")).headers["location"].endswith("attente")
    p.clock.advance(timedelta(hours=3))  # `soon` is over: its list stays as it was
    async with session_client(p, alice) as a:
        r = await post_form(a, "/compte", "/compte/effacement", {"confirmation": "oui"})
        assert r.status_code == 200 and "Compte effacé" in r.text

    async def released() -> bool:
        doc = await p.container.store.get("meetings", "all", "m1")
        return doc is not None and (doc["registrations"], doc["waiting"]) == (1, 0)
    await until(released)
    state = await load_meeting(p.container.log, "m1")
    assert (state.seated, state.waiting) == ((bruno,), ())
    async with session_client(p, "orga", kind="admin") as admin:
        listing = (await admin.get(f"{ADMIN}/rencontres/m1/inscrits.csv")).text
        assert listing.splitlines()[1:] == ["1,Bruno,Inscrit·e,"]
        over = (await admin.get(f"{ADMIN}/rencontres/soon/inscrits.csv")).text
        assert over.splitlines()[1:] == ["1,(compte effacé),Inscrit·e,"]
    async def pending() -> bool:
        return bool(await p.container.store.list("meeting_promotions_pending", "all"))
    await until(pending)
    assert await send_promotion_notices(**notices(p)) == 1  # type: ignore[arg-type]
    told = [m for m in await outbox(p) if "Une place s'est libérée" in m["body"]]
    assert [m["to"] for m in told] == ["bruno@exemple.fr"]


async def test_a_cancellation_is_confirmed_told_and_marked(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    alice, bruno = await participant(p, "Alice"), await participant(p, "Bruno")
    page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3), capacity=1,
                         title="Réunion m1")
    for who in (alice, bruno):
        async with session_client(p, who) as client:
            assert (await act(client, page, "inscription")).status_code == 303
    cancel = f"{ADMIN}/rencontres/m1/annulation"
    async with session_client(p, "orga", kind="admin") as admin:
        listing = (await admin.get(f"{ADMIN}/rencontres")).text
        # without JavaScript the button asks its confirmation page; htmx asks and posts
        form = re.search(rf'<form method="get" action="{cancel}" hx-post="{cancel}"[^>]*>',
                         listing)
        assert form and 'hx-confirm="Annuler cette rencontre ?' in form.group(0)
        assert f'method="post" action="{cancel}"' not in listing
        asked = await admin.get(cancel)
        assert asked.status_code == 200 and "Annuler « Réunion m1 » ?" in asked.text
        assert f'<form method="post" action="{cancel}">' in asked.text
        assert "Oui, annuler la rencontre" in asked.text
        assert not (await load_meeting(p.container.log, "m1")).cancelled  # GET changed nothing
        r = await admin.post(cancel, data={"csrf_token": csrf_of(asked.text)})
        assert r.status_code == 303
    assert (await load_meeting(p.container.log, "m1")).cancelled

    async def pending() -> bool:
        return bool(await p.container.store.list("meeting_cancellations_pending", "all"))
    await until(pending)
    assert await send_cancellation_notices(**notices(p)) == 2  # type: ignore[arg-type]
    assert await send_cancellation_notices(**notices(p)) == 0  # type: ignore[arg-type]
    told = [m for m in await outbox(p) if "est annulée" in m["subject"]]
    assert sorted(m["to"] for m in told) == ["alice@exemple.fr", "bruno@exemple.fr"]
    async with session_client(p, None) as anonymous:
        shown = (await anonymous.get("/consultations/c1")).text
        assert re.search(r"Réunion m1</a> — [^<]* · annulée</p>", shown), shown
        assert "Réunion m1</a>" in (await anonymous.get("/evenements")).text


async def test_a_removal_is_confirmed_without_javascript(platform: Platform) -> None:
    p = platform
    await publish(p.container, SYSTEM, "c1", "Consultation c1", "c1",
                  deposit_phase(datetime.now(UTC)))
    await p.container.handle(AttachVideo("v1", "c1", "Présentation",
                                         "https://www.youtube.com/watch?v=dQw4w9WgXcQ"), SYSTEM)

    async def shown() -> bool:
        return await p.container.store.get("videos", "c1", "v1") is not None
    await until(shown)
    remove = f"{ADMIN}/videos/v1/suppression"
    async with session_client(p, "orga", kind="admin") as admin:
        listing = (await admin.get(f"{ADMIN}/videos")).text
        assert f'<form method="get" action="{remove}" hx-post="{remove}"' in listing
        asked = await admin.get(remove)
        assert asked.status_code == 200 and "Supprimer « Présentation » ?" in asked.text
        assert await p.container.store.get("videos", "c1", "v1") is not None
        r = await admin.post(remove, data={"csrf_token": csrf_of(asked.text)})
        assert r.status_code == 303
        assert (await admin.get(f"{ADMIN}/documents/nope/suppression")).status_code == 404

    async def gone() -> bool:
        return await p.container.store.get("videos", "c1", "v1") is None
    await until(gone)


async def test_a_calendar_file_is_stamped_when_it_is_made(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    page = await meeting(p, "m1", datetime(2027, 7, 1, 16, tzinfo=UTC), capacity=1)
    async with session_client(p, None) as anonymous:
        before = datetime.now(UTC).replace(microsecond=0)
        first = await anonymous.get(f"{page}/calendrier.ics")
        after = datetime.now(UTC)
        [stamp] = re.findall(r"\r\nDTSTAMP:(\d{8}T\d{6}Z)\r\n", first.text)
        made = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert before <= made <= after  # not the meeting's start (20270701T160000Z)
        again = await anonymous.get(f"{page}/calendrier.ics")
        assert again.headers["etag"] == first.headers["etag"]
        cached = await anonymous.get(f"{page}/calendrier.ics",
                                     headers={"If-None-Match": first.headers["etag"]})
        assert cached.status_code == 304


async def test_the_meetings_list_says_when_no_phase_takes_registrations(
        platform: Platform) -> None:
    """Registrations follow the phases (ADR 0139): an organiser scheduling meetings
    in a consultation none of whose phases offers them is told so, with the way."""
    p = platform
    now = datetime.now(UTC)
    await publish(p.container, SYSTEM, "sans", "Sans inscriptions", "sans-inscriptions",
                  PhaseSpec("depot", "deposit", "Dépôt", now - timedelta(hours=1),
                            now + timedelta(days=5)))
    await open_consultation(p, "c1", level="email")  # its phase offers registrations
    admin = await admin_client(p)
    try:
        closed = (await admin.get("/admin/consultations/sans/rencontres")).text
        assert "n\u2019ouvre les inscriptions aux rencontres" in closed
        assert 'href="/admin/consultations/sans/phases"' in closed
        opened = (await admin.get("/admin/consultations/c1/rencontres")).text
        assert "n\u2019ouvre les inscriptions" not in opened
    finally:
        await admin.aclose()
