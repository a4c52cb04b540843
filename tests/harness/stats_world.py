"""A small hand-built questionnaire and its responses, as the deposit and
moderation services write them (own streams, consecutive versions), for the
closed-question statistics and open-data tests (unit, and over Kafka)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from harness.events import Streams
from services.store.port import ReadStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CONSULTATION, QUESTIONNAIRE = "cons1", "q"


def _question(question_id: str, kind: str, text: str, *options: tuple[str, str],
              allow_other: bool = False) -> dict[str, Any]:
    return {"question_id": question_id, "kind": kind, "text": text, "help_text": "",
            "required": False, "allow_other": allow_other, "condition": None,
            "max_length": 2000,
            "options": [{"option_id": o, "label": label} for o, label in options]}


QUESTIONS: list[dict[str, Any]] = [
    _question("transport", "single", "Comment venez-vous au travail ?", ("velo", "À vélo"),
              ("bus", "En bus"), ("voiture", "En voiture"), allow_other=True),
    _question("energie", "multiple", "Quelles énergies développer ?", ("solaire", "Solaire"),
              ("eolien", "Éolien"), ("nucleaire", "Nucléaire")),
    _question("idees", "open", "Vos idées ?"),
]
QUESTIONNAIRE_DOC = {"questionnaire_id": QUESTIONNAIRE, "consultation_id": CONSULTATION,
                     "title": "Mobilité et énergie", "description": "", "theme_id": "",
                     "position": 0, "questions": QUESTIONS}


class Log(Streams):
    def __init__(self) -> None:
        super().__init__(T0, CONSULTATION)
        self._streams: dict[str, str] = {}

    def respond(self, cid: str, author: str, *, level: str | None, territory: str | None,
                moderation: str = "post", transport: str = "", other: str = "",
                energie: tuple[str, ...] = (), idee: str = "") -> None:
        answers = []
        if transport:
            answers.append({"question_id": "transport", "option_ids": [transport],
                            "other_text": other, "text": ""})
        if energie:
            answers.append({"question_id": "energie", "option_ids": list(energie),
                            "other_text": "", "text": ""})
        if idee:
            answers.append({"question_id": "idees", "option_ids": [], "other_text": "",
                            "text": idee})
        data: dict[str, Any] = {
            "contribution_id": cid, "consultation_id": CONSULTATION,
            "questionnaire_id": QUESTIONNAIRE, "author_id": author, "answers": answers,
            "moderation": moderation}
        if level is not None:
            data["identity_level"] = level
        if territory is not None:
            data["territory"] = territory
        stream = f"response-{QUESTIONNAIRE}-{author}"
        self._streams[cid] = stream
        self.add("deposit.ResponseSubmitted", stream, **data)

    def withdraw(self, cid: str) -> None:
        self.add("deposit.ContributionWithdrawn", self._streams[cid], contribution_id=cid,
                 consultation_id=CONSULTATION)

    def erase(self, participant: str) -> None:
        self.add("identity.ParticipantErased", f"identity-{participant}",
                 participant_id=participant)

    def decide(self, cid: str, decision: str) -> None:
        self.add("moderation.DecisionMade", f"moderation-{cid}", contribution_id=cid,
                 consultation_id=CONSULTATION, moderator_id="m", decision=decision,
                 reason_code="r", campaign_group_id="")


def world() -> Log:
    """Eight responses; five are published (r1, r2, r3, r4, r8)."""
    log = Log()
    log.respond("r1", "u1", level="email", territory="35", transport="velo",
                energie=("solaire", "eolien"), idee="Des pistes cyclables partout.")
    log.respond("r2", "u2", level="anonymous", territory="35", transport="bus",
                energie=("solaire",))
    log.respond("r3", "u3", level="verified", territory="75", transport="velo",
                energie=("nucleaire",))
    log.respond("r4", "u4", level="email", territory="75", transport="autre",
                other="La marche à pied")
    log.respond("r5", "u5", level="email", territory="", moderation="pre",
                transport="voiture")  # pre-moderated, never approved
    log.respond("r6", "u6", level="email", territory="29", transport="bus")
    log.withdraw("r6")
    log.respond("r7", "u7", level="anonymous", territory="29", transport="velo")
    log.decide("r7", "hidden")
    log.decide("r8", "approved")  # the decision comes before the submission
    log.respond("r8", "u8", level="verified", territory="13", moderation="pre",
                transport="bus", energie=("eolien",))
    return log


async def seed_definitions(store: ReadStore) -> None:
    async with store.transaction() as tx:
        await tx.put("consultation_detail", "all", CONSULTATION,
                     {"id": CONSULTATION, "title": "Consultation test", "published": True})
        await tx.put("questionnaires", CONSULTATION, QUESTIONNAIRE, QUESTIONNAIRE_DOC)
