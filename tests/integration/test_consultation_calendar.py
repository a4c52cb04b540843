"""The consultation page's calendar and calls to act say what holds: a phase's
description is shown, a phase within a day gives its hours (a vote closing at
23:48 read « du 7 décembre au 7 décembre »), « Déposer une proposition » is
offered only while depositing is open, and the last phase with nothing to do
does not promise a next step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from harness.consultations import publish
from harness.platform import SYSTEM, Platform, until

from services.consultation.commands import PhaseSpec

PARIS = ZoneInfo("Europe/Paris")


async def test_the_calendar_and_the_calls_to_act(platform: Platform) -> None:
    p = platform
    # a day in Paris from 08:00 to 22:30, tomorrow: no DST edge, no midnight
    day = (datetime.now(PARIS) + timedelta(days=1)).replace(hour=8, minute=0, second=0,
                                                             microsecond=0)
    now = datetime.now(UTC)
    await publish(p.container, SYSTEM, "cal", "Calendrier", "calendrier",
                  PhaseSpec("depot", "deposit", "Dépôt", now - timedelta(days=3),
                            now - timedelta(days=1)),
                  PhaseSpec("synthese", "synthesis", "Synthèse", now - timedelta(days=1),
                            day.astimezone(UTC) - timedelta(hours=1),
                            description="Les contributions sont lues et analysées."),
                  PhaseSpec("vote", "vote", "Vote express", day.astimezone(UTC),
                            day.astimezone(UTC) + timedelta(hours=14, minutes=30)))

    async def shown() -> bool:
        return (await p.client().get("/consultations/calendrier")).status_code == 200
    await until(shown)
    page = (await p.client().get("/consultations/calendrier")).text
    assert "Les contributions sont lues et analysées." in page
    assert "de 08 h 00 à 22 h 30" in page
    assert "Déposer une proposition" not in page  # the deposit phase is over
    assert "la prochaine étape ouvrira bientôt" in page  # the vote is still to come


async def test_the_last_phase_promises_no_next_step(platform: Platform) -> None:
    p = platform
    now = datetime.now(UTC)
    await publish(p.container, SYSTEM, "fin", "Fin", "fin",
                  PhaseSpec("depot", "deposit", "Dépôt", now - timedelta(days=3),
                            now - timedelta(days=1)),
                  PhaseSpec("synthese", "synthesis", "Synthèse", now - timedelta(days=1),
                            now + timedelta(days=10)))

    async def shown() -> bool:
        return (await p.client().get("/consultations/fin")).status_code == 200
    await until(shown)
    page = (await p.client().get("/consultations/fin")).text
    assert "prochaine étape" not in page and "Cette dernière étape" in page
