"""A walk's findings on meetings, on the embedded platform over HTTP (ADR 0139):
registering only while the consultation's phase offers it (the page says so,
without a form; cancelling stays possible)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from harness.consultations import open_consultation
from harness.forms import post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.consultation.commands import PhaseSpec, SchedulePhases
from services.consultation.content_commands import ScheduleMeeting
from services.consultation.meeting_handlers import load_meeting


async def meeting(p: Platform, mid: str, starts: datetime, *, capacity: int | None = 1) -> str:
    await p.container.handle(ScheduleMeeting(
        mid, "c1", f"Réunion {mid}", starts, starts + timedelta(hours=2),
        address="1 place de la Comédie", postcode="69001", capacity=capacity), SYSTEM)

    async def listed() -> bool:
        return await p.container.store.get("meetings", "all", mid) is not None
    await until(listed)
    return f"/evenements/{mid}"


async def act(client: httpx.AsyncClient, page: str, what: str) -> httpx.Response:
    return await post_form(client, page, f"{page}/{what}")


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
    page = await meeting(p, "m1", datetime.now(UTC) + timedelta(days=3), capacity=2)
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
