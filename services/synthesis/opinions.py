"""The opinions of a consultation, rebuilt from the synthesis events: statements,
every vote row (history) and each participant's latest opinion per statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.core.envelope import Envelope
from services.eventlog.port import EventLog, read_all

TOPIC = "synthesis.events"


@dataclass(frozen=True, slots=True)
class Statement:
    statement_id: str
    number: int
    author_id: str
    body: str
    moderated: int
    created_at_ms: int
    is_meta: bool = False


@dataclass(frozen=True, slots=True)
class Opinion:
    participant_id: str
    statement_id: str
    opinion: int
    voted_at_ms: int


@dataclass(slots=True)
class OpinionBook:
    consultation_id: str
    facts: dict[str, Any] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    history: list[Opinion] = field(default_factory=list)
    # participant -> their id in the imported source conversation (when imported)
    source_numbers: dict[str, int] = field(default_factory=dict)

    def apply(self, event: Envelope) -> None:
        data = event.data
        if data.get("consultation_id") != self.consultation_id:
            return
        if event.type == "synthesis.ConversationImported":
            self.facts = {k: v for k, v in data.items() if k != "consultation_id"}
        elif event.type == "synthesis.StatementImported":
            self.statements[data["statement_id"]] = Statement(
                statement_id=data["statement_id"], number=data["number"],
                author_id=data["author_id"], body=data["body"], moderated=data["moderated"],
                created_at_ms=data["created_at_ms"], is_meta=data.get("is_meta", False))
            self._number(data["author_id"], data.get("author_number", -1))
        elif event.type == "synthesis.OpinionRecorded":
            self.history.append(Opinion(
                participant_id=data["participant_id"], statement_id=data["statement_id"],
                opinion=data["opinion"], voted_at_ms=data["voted_at_ms"]))
            self._number(data["participant_id"], data.get("participant_number", -1))

    def _number(self, participant_id: str, number: int) -> None:
        if number >= 0:
            self.source_numbers.setdefault(participant_id, number)

    def ordered_history(self) -> list[Opinion]:
        """Votes in time order (stable: log order breaks ties)."""
        return sorted(self.history, key=lambda o: o.voted_at_ms)

    def latest(self) -> dict[tuple[str, str], int]:
        """(participant, statement) -> latest opinion: one person, one opinion."""
        return {(o.participant_id, o.statement_id): o.opinion for o in self.ordered_history()}

    @classmethod
    async def from_log(cls, log: EventLog, consultation_id: str) -> OpinionBook:
        book = cls(consultation_id)
        async for rec in read_all(log, TOPIC, page=5000):
            book.apply(rec.event)
        return book
