"""The follow-up e-mail names the consultation and says what each response's
status is, in the singular for one response; several consultations are named
each above their responses. It said « Des réponses ont été publiées » for one,
named no consultation and ended « … : Adoptée »."""

from __future__ import annotations

from datetime import UTC, datetime

from services.consultation.queries import consultation_where
from services.core.clock import FixedClock
from services.core.envelope import Actor
from services.core.events import Meta
from services.eventlog.memory import MemoryEventLog
from services.store.memory import MemoryReadStore
from services.synthesis.followup.digest import send_digests
from services.synthesis.followup.tables import ALL, DIGESTS


class Outbox:
    """A ParticipantMail that keeps each message."""

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}

    async def send(self, participant_id: str, subject: str, body: str) -> bool:
        self.sent[participant_id] = body
        return True


def notice(cid: str, rid: str, title: str, status: str) -> dict[str, str]:
    return {"consultation_id": cid, "response_id": rid, "title": title, "status": status,
            "at": "2026-12-07T10:00:00Z"}


async def bodies(digests: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    store = MemoryReadStore()
    async with store.transaction() as tx:
        for cid, title in (("velo", "Mieux circuler à vélo"), ("budget", "Budget des pentes")):
            await tx.put(*consultation_where(cid), {"id": cid, "title": title})
        for pid, items in digests.items():
            await tx.put(DIGESTS, ALL, pid, {"items": items, "version": 0})
    outbox = Outbox()
    await send_digests(log=MemoryEventLog(), store=store,
                       clock=FixedClock(datetime(2026, 12, 7, tzinfo=UTC)), mail=outbox,
                       meta=Meta(actor=Actor.system()), public_url="https://parlons.test/")
    return outbox.sent


async def test_one_response_is_told_in_the_singular_with_its_consultation() -> None:
    sent = await bodies({"p-anne": [notice("velo", "r1", "Un plan vélo", "adopted")]})
    body = sent["p-anne"]
    assert ("Une réponse a été publiée sur un sujet auquel vous avez contribué dans la "
            "consultation « Mieux circuler à vélo » :") in body
    assert "- « Un plan vélo », statut : adoptée." in body
    assert "Retrouvez-la dans vos notifications : https://parlons.test/compte/notifications" \
        in body
    assert "Des réponses" not in body and ": Adoptée" not in body


async def test_responses_of_several_consultations_are_grouped_under_each() -> None:
    sent = await bodies({"p-bruno": [
        notice("velo", "r1", "Un plan vélo", "under_review"),
        notice("budget", "r2", "Des bancs au square", "in_progress"),
        notice("velo", "r1", "Un plan vélo", "adopted")]})
    body = sent["p-bruno"]
    assert "Des réponses ont été publiées sur des sujets auxquels vous avez contribué :" in body
    velo, budget = body.index("Consultation « Mieux circuler à vélo » :"), body.index(
        "Consultation « Budget des pentes » :")
    plan, benches = body.index("« Un plan vélo », statut : à l'étude, puis adoptée."), \
        body.index("« Des bancs au square », statut : en cours.")
    assert velo < plan < budget < benches
    assert body.count("Un plan vélo") == 1 and "Retrouvez-les" in body
