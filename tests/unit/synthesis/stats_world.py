"""A small hand-built questionnaire and its responses, as the deposit and
moderation services write them (own streams, consecutive versions), for the
closed-question statistics and open-data tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from services.core.envelope import Actor, Envelope
from services.store.port import ReadStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CONSULTATION, QUESTIONNAIRE = "cons1", "q"

QUESTIONS: list[dict[str, Any]] = [
    {"question_id": "transport", "kind": "single", "text": "Comment venez-vous au travail ?",
     "help_text": "", "required": False, "allow_other": True, "condition": None,
     "max_length": 2000,
     "options": [{"option_id": "velo", "label": "À vélo"},
                 {"option_id": "bus", "label": "En bus"},
                 {"option_id": "voiture", "label": "En voiture"}]},
    {"question_id": "energie", "kind": "multiple", "text": "Quelles énergies développer ?",
     "help_text": "", "required": False, "allow_other": False, "condition": None,
     "max_length": 2000,
     "options": [{"option_id": "solaire", "label": "Solaire"},
                 {"option_id": "eolien", "label": "Éolien"},
                 {"option_id": "nucleaire", "label": "Nucléaire"}]},
    {"question_id": "idees", "kind": "open", "text": "Vos idées ?", "help_text": "",
     "required": False, "allow_other": False, "condition": None, "max_length": 2000,
     "options": []},
]
QUESTIONNAIRE_DOC = {"questionnaire_id": QUESTIONNAIRE, "consultation_id": CONSULTATION,
                     "title": "Mobilité et énergie", "description": "", "theme_id": "",
                     "position": 0, "questions": QUESTIONS}


class Log:
    def __init__(self) -> None:
        self.events: list[Envelope] = []
        self._versions: dict[str, int] = defaultdict(int)
        self._streams: dict[str, str] = {}

    def add(self, type_: str, stream: str, **data: Any) -> Envelope:
        self._versions[stream] += 1
        e = Envelope(type=type_, schema_version=1, stream=stream,
                     stream_version=self._versions[stream], data=data,
                     actor=Actor(id="x", role="participant"),
                     occurred_at=T0 + timedelta(minutes=len(self.events)),
                     correlation_id="c", consultation_id=CONSULTATION)
        self.events.append(e)
        return e

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
