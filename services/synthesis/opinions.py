"""The opinions of a consultation, rebuilt from the log: statements, every vote
row (history) and each participant's latest opinion per statement. From one of two
sources, never both (ADR 0138): its imported conversation (synthesis events) once
one is imported, its own agree/disagree/neutral ballots (vote events: the voted
item is the statement, its text is the deposit's) otherwise. Ballots beside an
imported conversation, cast before or after it, are set aside (`left_out`): counted,
never grouped with statements of another conversation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.core.envelope import Envelope
from services.eventlog.port import EventLog, read_all
from services.synthesis.events import CONVERSATION_EVENTS
from services.vote.events import BallotCast, BallotWithdrawn

TOPIC = "synthesis.events"
VOTE_TOPIC = "vote.events"
OPINION_OF_CHOICE = {"agree": 1, "disagree": -1, "neutral": 0}


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


def voted_item(item_id: str, number: int, first_ballot_ms: int) -> Statement:
    """A consultation's voted item as a statement: no body of its own (its text is
    the deposit's), moderated in (moderation's public state may take it out)."""
    return Statement(statement_id=item_id, number=number, author_id="", body="",
                     moderated=1, created_at_ms=first_ballot_ms)


def ballot_at_ms(event: Envelope) -> int:
    """When an agree/disagree ballot was cast or withdrawn: its opinion's time."""
    return int(event.occurred_at.timestamp() * 1000)


def missing_of_import(facts: Mapping[str, Any], statements: int,
                      votes: int) -> tuple[int, int] | None:
    """What an import announced in its facts (`ConversationImported`) less the
    statement and vote events counted: None when nothing is missing, or when the
    import did not say (made before ADR 0124)."""
    announced = (facts.get("statements", -1), facts.get("votes", -1))
    if min(announced) < 0:
        return None
    missing = (announced[0] - statements, announced[1] - votes)
    return missing if max(missing) > 0 else None


@dataclass(slots=True)
class OpinionBook:
    consultation_id: str
    facts: dict[str, Any] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    history: list[Opinion] = field(default_factory=list)
    # participant -> their id in the imported source conversation (when imported)
    source_numbers: dict[str, int] = field(default_factory=dict)
    # ballots taken back, each with the number of history rows before it (log order)
    withdrawn: list[tuple[int, Opinion]] = field(default_factory=list)
    # the latest opinions as a read model keeps them (`opinions_model.book_of`), with
    # no history: `latest` answers them as they are (sorting 323,376 rows took 0.8 s)
    known_latest: dict[tuple[str, str], int] | None = None
    # the imported conversation's statement and vote events here so far (ADR 0124)
    imported_statements: int = 0
    imported_votes: int = 0
    # once a conversation is imported, the consultation's own agree/disagree ballots,
    # cast before or after it: its opinions are the conversation's (ADR 0138)
    left_out: OpinionBook | None = None

    def apply(self, event: Envelope) -> None:
        data = event.data
        if data.get("consultation_id") != self.consultation_id:
            return
        if event.type in (BallotCast.TYPE, BallotWithdrawn.TYPE):
            (self if self.left_out is None else self.left_out)._ballot(event)
            return
        if event.type in CONVERSATION_EVENTS and self.left_out is None:
            self._set_ballots_aside()
        if event.type == "synthesis.ConversationImported":
            self.facts = {k: v for k, v in data.items() if k != "consultation_id"}
        elif event.type == "synthesis.StatementImported":
            self.statements[data["statement_id"]] = Statement(
                statement_id=data["statement_id"], number=data["number"],
                author_id=data["author_id"], body=data["body"], moderated=data["moderated"],
                created_at_ms=data["created_at_ms"], is_meta=data.get("is_meta", False))
            self._number(data["author_id"], data.get("author_number", -1))
            self.imported_statements += 1
        elif event.type == "synthesis.OpinionRecorded":
            self.history.append(Opinion(
                participant_id=data["participant_id"], statement_id=data["statement_id"],
                opinion=data["opinion"], voted_at_ms=data["voted_at_ms"]))
            self._number(data["participant_id"], data.get("participant_number", -1))
            self.imported_votes += 1

    def holds_import(self) -> bool:
        """Whether the consultation's opinions are an imported conversation's."""
        return self.left_out is not None

    def own_opinions(self) -> int:
        """How many opinions the consultation's own agree/disagree ballots hold (the
        latest per participant and item), in the book or left out of it."""
        return len((self if self.left_out is None else self.left_out).latest())

    def _set_ballots_aside(self) -> None:
        """At an imported conversation's first event (whichever comes first): the
        ballots applied so far, the book's only opinions until then, go to
        `left_out`, where those applied after go too."""
        self.left_out = OpinionBook(self.consultation_id, statements=self.statements,
                                    history=self.history, withdrawn=self.withdrawn)
        self.statements, self.history, self.withdrawn = {}, [], []

    def import_arriving(self) -> tuple[int, int] | None:
        """(statements, votes) the imported conversation announced that are not
        here yet: an import still being appended, or interrupted and to be sent
        again (ADR 0124). None when all are, or when the import did not say."""
        return missing_of_import(self.facts, self.imported_statements, self.imported_votes)

    def _ballot(self, event: Envelope) -> None:
        data = event.data
        if data["ballot_kind"] != "agree":
            return
        item, at_ms = data["item_id"], ballot_at_ms(event)
        if item not in self.statements:
            self.statements[item] = voted_item(item, len(self.statements), at_ms)
        if event.type == BallotCast.TYPE:
            opinion = OPINION_OF_CHOICE[data["choice"]]
            self.history.append(Opinion(data["participant_id"], item, opinion, at_ms))
        else:  # withdrawn: no opinion any more
            self.withdrawn.append((len(self.history),
                                   Opinion(data["participant_id"], item, 0, at_ms)))

    def _number(self, participant_id: str, number: int) -> None:
        if number >= 0:
            self.source_numbers.setdefault(participant_id, number)

    def ordered_history(self) -> list[Opinion]:
        """Votes in time order (stable: log order breaks ties)."""
        return sorted(self.history, key=lambda o: o.voted_at_ms)

    def latest(self) -> dict[tuple[str, str], int]:
        """(participant, statement) -> latest opinion: one person, one opinion (a
        ballot withdrawn after it removes it; same instant: log order decides).
        A read model's book answers the opinions it was given: not to be changed."""
        if self.known_latest is not None:
            return self.known_latest
        latest: dict[tuple[str, str], tuple[int, int, int]] = {}
        order = sorted(range(len(self.history)), key=lambda i: self.history[i].voted_at_ms)
        for i in order:
            o = self.history[i]
            latest[(o.participant_id, o.statement_id)] = (o.voted_at_ms, i, o.opinion)
        for after, w in self.withdrawn:
            key = (w.participant_id, w.statement_id)
            if key in latest and latest[key][:2] < (w.voted_at_ms, after):
                del latest[key]
        return {key: opinion for key, (_, _, opinion) in latest.items()}

    @classmethod
    async def from_log(cls, log: EventLog, consultation_id: str) -> OpinionBook:
        book = cls(consultation_id)
        for topic in (TOPIC, VOTE_TOPIC):
            async for rec in read_all(log, topic, page=5000):
                book.apply(rec.event)
        return book
