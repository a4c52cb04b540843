"""« Mes rencontres » (/mes-rencontres): a participant finds every meeting they
registered for or wait for, soonest first, each with its state and its page; a
registration they cancelled is gone, a meeting cancelled by its organisers says
so; nobody sees another's list, and a visitor without a session is sent to sign in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from harness.consultations import open_consultation
from harness.meetings import act, meeting
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.consultation.content_commands import CancelMeeting
from services.web.public.my_meetings import registered


def rows(html: str) -> list[list[str]]:
    """Each table row's cells, as text."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row,
                                                                        re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


async def test_a_participant_lists_their_meetings_with_their_state(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    alice, bruno = await participant(p, "Alice"), await participant(p, "Bruno")
    now = datetime.now(UTC)
    full = await meeting(p, "m-full", now + timedelta(days=3), capacity=1, title="Atelier vélo")
    soon = await meeting(p, "m-soon", now + timedelta(days=1), capacity=None,
                         title="Réunion de quartier")
    dropped = await meeting(p, "m-dropped", now + timedelta(days=2), title="Balade urbaine")
    called_off = await meeting(p, "m-off", now + timedelta(days=5), title="Débat du soir")
    async with session_client(p, alice) as a, session_client(p, bruno) as b:
        for page in (full, soon, dropped, called_off):
            assert (await act(a, page, "inscription")).status_code == 303
        assert (await act(b, full, "inscription")).headers["location"].endswith("attente")
        assert (await act(a, dropped, "desinscription")).status_code == 303
        shown = await a.get(full)
        assert 'href="/mes-rencontres"' in shown.text  # from the meeting's own page
        assert 'href="/mes-rencontres"' in (await a.get("/compte")).text  # and the account
        await p.container.handle(CancelMeeting("m-off", "c1"), SYSTEM)

        async def projected() -> bool:
            doc = await p.container.store.get("meetings", "all", "m-off")
            mine = {r["meeting_id"]: r for r in await registered(
                p.container.store, alice, now)}
            return bool(doc and doc["cancelled"]) and "m-dropped" not in mine
        await until(projected)

        page = await a.get("/mes-rencontres")
        assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
        assert [(r[0], r[4]) for r in rows(page.text)] == [
            ("Réunion de quartier", "Inscrit·e"), ("Atelier vélo", "Inscrit·e"),
            ("Débat du soir", "Rencontre annulée")]
        assert 'href="/evenements/m-soon"' in page.text and "Balade urbaine" not in page.text
        theirs = await b.get("/mes-rencontres")
        assert [(r[0], r[4]) for r in rows(theirs.text)] == [
            ("Atelier vélo", "En liste d\u2019attente")]
    async with session_client(p, None) as nobody:
        sent = await nobody.get("/mes-rencontres")
        assert sent.status_code == 303
        assert sent.headers["location"] == "/connexion?suite=/mes-rencontres"


async def test_a_meeting_over_moves_to_the_past(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email")
    alice = await participant(p, "Alice")
    now = datetime.now(UTC)
    page = await meeting(p, "m1", now + timedelta(days=1), title="Atelier")
    async with session_client(p, alice) as a:
        assert (await act(a, page, "inscription")).status_code == 303

    async def listed() -> bool:
        return bool(await registered(p.container.store, alice, now))
    await until(listed)
    later = await registered(p.container.store, alice, now + timedelta(days=2))
    assert [(r["title"], r["past"]) for r in later] == [("Atelier", True)]
    assert [r["past"] for r in await registered(p.container.store, alice, now)] == [False]
