"""Import a Pol.is conversation into a Parlons consultation as events: the
directory is read whole (what cannot be used is reported line by line, not
imported), then appended in one atomic batch. The source's comment and
participant ids travel in the events (`number`, `author_number`,
`participant_number`) so an export gives them back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from services.core.envelope import Envelope
from services.core.events import DomainEvent, Meta, wrap
from services.eventlog.port import EventLog
from services.synthesis.events import ConversationImported, OpinionRecorded, StatementImported
from services.synthesis.polis.model import Conversation, Skipped
from services.synthesis.polis.reader import read_conversation
from services.synthesis.pseudonyms import pseudonym


@dataclass(frozen=True, slots=True)
class ImportReport:
    statements: int
    votes: int
    participants: int
    skipped: list[Skipped] = field(default_factory=list)


async def import_polis(
    directory: Path, *, consultation_id: str, log: EventLog, meta: Meta,
) -> ImportReport:
    conversation = read_conversation(directory)  # raises before anything is written
    events = conversation_events(conversation, consultation_id=consultation_id, meta=meta)
    report = report_of(conversation)
    del conversation  # what was read is in the events now: not held through the append
    # expect=0 on the conversation stream: importing twice into one consultation is refused
    await log.append(events, expect={conversation_stream(consultation_id): 0})
    return report


def report_of(conversation: Conversation) -> ImportReport:
    """What an import of `conversation` brings in, and the lines it leaves out."""
    voters = {v.voter_id for v in conversation.votes}
    return ImportReport(len(conversation.comments), len(conversation.votes), len(voters),
                        conversation.skipped)


def conversation_stream(consultation_id: str) -> str:
    return f"conversation-{consultation_id}"


def statement_id(consultation_id: str, number: int) -> str:
    return pseudonym("st", consultation_id, str(number))


def conversation_events(
    conversation: Conversation, *, consultation_id: str, meta: Meta,
) -> list[Envelope]:
    # Each voter's and statement's pseudonym made once, not once a vote: a hash
    # less per id and vote, and one string shared by all its votes' events (at
    # 323,376 votes, ~45 MB of the import's memory and 0.5 s).
    participants: dict[int | None, str] = {}
    statements: dict[int, str] = {}

    def participant(polis_id: int | None) -> str:
        if (known := participants.get(polis_id)) is None:
            known = participants[polis_id] = pseudonym(
                "pp", consultation_id, "?" if polis_id is None else str(polis_id))
        return known

    def statement(number: int) -> str:
        if (known := statements.get(number)) is None:
            known = statements[number] = statement_id(consultation_id, number)
        return known

    out: list[Envelope] = []

    def add(event: DomainEvent, stream: str, version: int, at_ms: int) -> None:
        out.append(wrap(event, stream=stream, stream_version=version, meta=meta,
                        occurred_at=datetime.fromtimestamp(at_ms / 1000, UTC),
                        consultation_id=consultation_id))

    s = conversation.summary
    first_ms = min((c.timestamp_ms for c in conversation.comments), default=0)
    add(ConversationImported(
        consultation_id=consultation_id, source="polis", topic=s.get("topic", "")[:500],
        description=s.get("conversation-description", "")[:5000], url=s.get("url", "")[:500],
        views=int(s["views"]) if s.get("views", "").isdecimal() else 0,
    ), conversation_stream(consultation_id), 1, first_ms)
    for c in conversation.comments:
        sid = statement(c.comment_id)
        add(StatementImported(
            statement_id=sid, consultation_id=consultation_id, number=c.comment_id,
            author_id=participant(c.author_id), body=c.body, moderated=c.moderated,
            created_at_ms=c.timestamp_ms, is_meta=c.is_meta,
            author_number=-1 if c.author_id is None else c.author_id,
        ), f"statement-{sid}", 1, c.timestamp_ms)
    versions: dict[str, int] = {}
    for v in conversation.votes:
        sid, pid = statement(v.comment_id), participant(v.voter_id)
        stream = f"opinion-{sid}-{pid}"
        versions[stream] = versions.get(stream, 0) + 1
        add(OpinionRecorded(
            statement_id=sid, consultation_id=consultation_id, participant_id=pid,
            opinion=v.vote, voted_at_ms=v.timestamp_ms, participant_number=v.voter_id,
        ), stream, versions[stream], v.timestamp_ms)
    return out
