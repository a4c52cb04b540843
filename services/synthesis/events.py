"""Events of the synthesis service (schemas in schemas/events/synthesis.*).

No vote service exists yet, so imported agree/disagree/pass opinions are this
service's own events. Every vote row is kept (Pol.is records re-votes): the
latest one per (statement, participant) is the participant's opinion."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class ConversationImported(DomainEvent):
    """Facts of an imported conversation (stream `conversation-<consultation>`), the
    first event of its import; `statements` and `votes` count the statement and vote
    events the import brings after it (-1: not said, an import before ADR 0124),
    which a reader compares with those it has to tell an import still arriving;
    `files` names the export's files the import read (file name -> the SHA-256 of
    its blob, staging.py): what « Reprendre l'import » sends again (ADR 0127)."""

    TYPE = "synthesis.ConversationImported"
    VERSION = 1

    consultation_id: str
    source: str
    topic: str
    description: str
    url: str
    views: int
    statements: int = -1
    votes: int = -1
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatementImported(DomainEvent):
    """A statement to vote on (stream `statement-<statement_id>`); `number` is its
    public number (the Pol.is comment-id), `moderated` -1 out, 0 unmoderated, 1 in;
    `is_meta`: a statement about the conversation itself (left out of the groups);
    `author_number`: the author's id in the source conversation (-1: unknown), kept
    so an export gives the source's ids back (a public, pseudonymous number)."""

    TYPE = "synthesis.StatementImported"
    VERSION = 1

    statement_id: str
    consultation_id: str
    number: int
    author_id: str
    body: str
    moderated: int
    created_at_ms: int
    is_meta: bool = False
    author_number: int = -1


@dataclass(frozen=True, slots=True)
class OpinionRecorded(DomainEvent):
    """One vote: 1 agree, -1 disagree, 0 pass (stream
    `opinion-<statement_id>-<participant_id>`, one version per re-vote);
    `participant_number`: the voter's id in the source conversation (-1: none)."""

    TYPE = "synthesis.OpinionRecorded"
    VERSION = 1

    statement_id: str
    consultation_id: str
    participant_id: str
    opinion: int
    voted_at_ms: int
    participant_number: int = -1


# An imported conversation's events, which only the opinions' read model applies:
# the other projections of synthesis.events pass over them (their `ignores`, ADR
# 0087). Each of the four wrote a guard per opinion stream, 1.3 million rows for
# the import of a conversation of 323,376 opinions.
CONVERSATION_EVENTS = frozenset(
    {ConversationImported.TYPE, StatementImported.TYPE, OpinionRecorded.TYPE})
