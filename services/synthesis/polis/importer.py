"""Import a Pol.is conversation into a Parlons consultation as events. The
directory is read whole first (what cannot be used is reported line by line, not
imported; a conversation with nothing usable is refused before anything is
written). Its events are then made and appended a chunk at a time (ADR 0124):
an import holds at most a chunk of events, not the ~650 bytes an event of a whole
conversation (two million votes passed the 2 GiB of a job). Every event's id is
named by the import and its place in it, so the same import sent again appends
only what an interrupted one had not: what it wrote (a prefix of its events) is
found by halving, and the log's event-id idempotence makes whatever is sent twice
(two imports of the same files at once) a no-op. The source's comment and
participant ids travel in the events (`number`, `author_number`,
`participant_number`) so an export gives them back."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from services.core.envelope import Envelope
from services.core.errors import ConcurrencyConflict, EventLogUnavailable
from services.core.events import DomainEvent, Meta, wrap
from services.core.ids import new_id, uuid7_shaped
from services.eventlog.port import EventLog
from services.synthesis.events import ConversationImported, OpinionRecorded, StatementImported
from services.synthesis.polis.model import Conversation, Skipped, vote_column
from services.synthesis.polis.reader import read_conversation
from services.synthesis.pseudonyms import pseudonym

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

logger = logging.getLogger("parlons.synthesis")

# Events an append carries: ~20 MB of envelopes held at a time. Smaller chunks
# cost a commit each (5,000: an import of 323,376 votes 16.5 s on SQLite against
# 12.3 s at 20,000 and 10.4 s in one append); a larger one holds the SQLite log's
# writer longer (~0.6 s at 20,000), which the ballots written meanwhile wait for.
CHUNK = 20_000  # a resumption sends the last CHUNK events before what it finds again
# An append that fails (the log's timeout: a chunk on a broker loaded by the import
# itself took past the Kafka log's 10 s in `make run-distributed`) is sent again,
# half as large, after each of these pauses in turn; what it had written is answered
# as duplicates. Past them the import stops, and the same import finishes it.
RETRY_WAITS = (1.0, 2.0, 4.0, 8.0)
SMALLEST_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class ImportReport:
    statements: int
    votes: int
    participants: int
    skipped: list[Skipped] = field(default_factory=list)
    already_imported: bool = False  # a complete import of the same files was there
    resumed: bool = False  # an interrupted import of the same files was finished


async def import_polis(
    directory: Path, *, consultation_id: str, log: EventLog, meta: Meta,
    import_id: str | None = None, chunk: int | None = None,
) -> ImportReport:
    """Read `directory` and append its conversation (see `append_conversation`);
    without `import_id`, a new one: this import is not the resumption of another."""
    conversation = read_conversation(directory)  # raises before anything is written
    return await append_conversation(conversation, consultation_id=consultation_id,
                                     log=log, meta=meta, import_id=import_id or new_id(),
                                     chunk=chunk)


async def append_conversation(
    conversation: Conversation, *, consultation_id: str, log: EventLog, meta: Meta,
    import_id: str, chunk: int | None = None, files: Mapping[str, str] | None = None,
    retry_waits: Sequence[float] | None = None,
) -> ImportReport:
    """Append the conversation's events `chunk` at a time, the first chunk with
    `expect=0` on the conversation's stream: another conversation of the
    consultation is refused (`ConcurrencyConflict`) before anything is written.
    With the same `import_id` (the same files) again: the events an interrupted
    import did not write are appended (`resumed`), or none was missing
    (`already_imported`). `files`: the staged files read (their names and
    digests), named in the first event to resume the import from them. A failed
    append is sent again after each of `retry_waits` (default RETRY_WAITS), on a
    chunk half as large; the last failure is raised (`EventLogUnavailable`)."""
    report = report_of(conversation)
    events = ImportEvents(conversation, consultation_id=consultation_id, meta=meta,
                          import_id=import_id, files=files)
    stream = conversation_stream(consultation_id)
    done = await log.read_stream(stream)
    if done and done[0].event_id != import_id:
        raise ConcurrencyConflict(stream, 0, len(done))
    size = chunk or CHUNK
    start = 0
    if done:
        # On Kafka a failed append may have written a part of its chunk (it is not
        # atomic across partitions): the events of a chunk before what halving
        # found are sent again, and the log answers those it holds as duplicates.
        start = max(0, await _written(log, events) - max(size, CHUNK))
    new = 0
    waits = list(RETRY_WAITS if retry_waits is None else retry_waits)
    failures = 0
    first, empty = start, not done
    while first < events.count:
        stop = min(first + size, events.count)
        try:
            recorded = await log.append(list(events.between(first, stop)),
                                        expect={stream: 0} if first == 0 and empty else None)
        except EventLogUnavailable as failed:
            if failures == len(waits):
                raise
            logger.warning("Pol.is import: an append failed, sent again halved in %s s: %s",
                           waits[failures], failed,
                           extra={"consultation_id": consultation_id, "events": stop - first})
            await asyncio.sleep(waits[failures])
            failures += 1
            size = max(SMALLEST_CHUNK, size // 2)
            if empty:  # a first chunk written in part holds the import's first event:
                # sent again, it no longer expects an empty stream
                found = await log.read_stream(stream)
                if found and found[0].event_id != import_id:
                    raise ConcurrencyConflict(stream, 0, len(found)) from None
                empty = not found
            continue
        failures = 0
        new += sum(not r.duplicate for r in recorded)
        _progress(first, stop, events.count, consultation_id)
        first = stop
    if done:
        return dataclasses.replace(report, resumed=new > 0, already_imported=new == 0)
    return report


def _progress(first: int, stop: int, count: int, consultation_id: str) -> None:
    """Logged at each tenth of the import's events appended: what an operator
    running `parlons polis import` for minutes sees going on (ten lines at most)."""
    tenth = 10 * stop // count
    if tenth > 10 * first // count:
        logger.info("Pol.is import: %d %% appended (%d of %d events)", 10 * tenth, stop,
                    count, extra={"consultation_id": consultation_id})


async def _written(log: EventLog, events: ImportEvents) -> int:
    """How many of the import's first events the log holds, but for a part of the
    chunk an append failing on Kafka may have written: each append waits for the
    one before, so what an import wrote is a prefix of its events, and that part
    (two imports of the same files at once write two prefixes, whose union is
    one). Found by halving, an event's stream version asked at each step."""
    async def holds(place: int) -> bool:
        stream, version = events.slot(place)
        return await log.stream_version(stream) >= version

    low, high = 1, events.count  # the first event is there (the caller read it)
    while low < high:
        middle = (low + high) // 2
        if await holds(middle):
            low = middle + 1
        else:
            high = middle
    return low


def report_of(conversation: Conversation) -> ImportReport:
    """What an import of `conversation` brings in, and the lines it leaves out."""
    import numpy as np  # the synthesis' own dependency, imported where it works

    voters = np.unique(vote_column(conversation.votes, "voter_id"))
    return ImportReport(len(conversation.comments), len(conversation.votes), len(voters),
                        conversation.skipped)


def conversation_stream(consultation_id: str) -> str:
    return f"conversation-{consultation_id}"


def statement_stream(statement_id: str) -> str:
    return f"statement-{statement_id}"


def opinion_stream(statement_id: str, participant_id: str) -> str:
    """A (statement, participant) pair's opinions: its re-votes are versions 2, 3…"""
    return f"opinion-{statement_id}-{participant_id}"


def statement_id(consultation_id: str, number: int) -> str:
    return pseudonym("st", consultation_id, str(number))


def conversation_events(conversation: Conversation, *, consultation_id: str,
                        meta: Meta) -> list[Envelope]:
    """Every event of an import of `conversation`, at once (small conversations:
    tests, seeding); an import appends them a chunk at a time instead."""
    events = ImportEvents(conversation, consultation_id=consultation_id, meta=meta,
                          import_id=new_id())
    return list(events.between(0, events.count))


class ImportEvents:
    """The events of one import of a conversation, made as they are asked for:
    the conversation's facts (with the counts it announces, so a reader can tell
    an import still arriving), its statements, then every vote row in file order.
    The first event's id is `import_id`; the others' are named by it and their
    place, the same each time the same import is made."""

    def __init__(self, conversation: Conversation, *, consultation_id: str, meta: Meta,
                 import_id: str, files: Mapping[str, str] | None = None) -> None:
        self.conversation, self.consultation_id = conversation, consultation_id
        self.meta, self.import_id = meta, import_id
        self.files = dict(files or {})
        # Each voter's and statement's pseudonym made once, not once a vote: a hash
        # less per id and vote, and one string shared by all its votes' events (at
        # 323,376 votes, ~45 MB of the import's memory and 0.5 s).
        self._participants: dict[int | None, str] = {}
        self._statements: dict[int, str] = {}
        self._versions = _vote_versions(conversation)

    @property
    def count(self) -> int:
        return 1 + len(self.conversation.comments) + len(self.conversation.votes)

    def slot(self, place: int) -> tuple[str, int]:
        """The stream and version of the import's event at `place`, without making it."""
        comments = self.conversation.comments
        if place == 0:
            return conversation_stream(self.consultation_id), 1
        if place <= len(comments):
            return statement_stream(self._statement(comments[place - 1].comment_id)), 1
        vote = place - 1 - len(comments)
        v = self.conversation.votes[vote]
        return self._opinion_stream(v.comment_id, v.voter_id), int(self._versions[vote])

    def between(self, start: int, stop: int) -> Iterator[Envelope]:
        """The import's events from `start` to `stop` (places, `stop` excluded)."""
        c, cid = self.conversation, self.consultation_id
        if start == 0:
            s = c.summary
            first_ms = min((comment.timestamp_ms for comment in c.comments), default=0)
            yield self._wrap(0, ConversationImported(
                consultation_id=cid, source="polis", topic=s.get("topic", "")[:500],
                description=s.get("conversation-description", "")[:5000],
                url=s.get("url", "")[:500],
                views=int(s["views"]) if s.get("views", "").isdecimal() else 0,
                statements=len(c.comments), votes=len(c.votes), files=self.files,
            ), conversation_stream(cid), 1, first_ms)
        first_vote = 1 + len(c.comments)
        for place in range(max(start, 1), min(stop, first_vote)):
            comment = c.comments[place - 1]
            sid = self._statement(comment.comment_id)
            yield self._wrap(place, StatementImported(
                statement_id=sid, consultation_id=cid, number=comment.comment_id,
                author_id=self._participant(comment.author_id), body=comment.body,
                moderated=comment.moderated, created_at_ms=comment.timestamp_ms,
                is_meta=comment.is_meta,
                author_number=-1 if comment.author_id is None else comment.author_id,
            ), statement_stream(sid), 1, comment.timestamp_ms)
        votes = range(max(start, first_vote) - first_vote, max(stop - first_vote, 0))
        versions = self._versions[votes.start:votes.stop].tolist()
        for vote, version in zip(votes, versions, strict=True):
            v = c.votes[vote]
            yield self._wrap(first_vote + vote, OpinionRecorded(
                statement_id=self._statement(v.comment_id), consultation_id=cid,
                participant_id=self._participant(v.voter_id), opinion=v.vote,
                voted_at_ms=v.timestamp_ms, participant_number=v.voter_id,
            ), self._opinion_stream(v.comment_id, v.voter_id), version, v.timestamp_ms)

    def _wrap(self, place: int, event: DomainEvent, stream: str, version: int,
              at_ms: int) -> Envelope:
        return wrap(event, stream=stream, stream_version=version, meta=self.meta,
                    occurred_at=datetime.fromtimestamp(at_ms / 1000, UTC),
                    consultation_id=self.consultation_id, event_id=self._event_id(place))

    def _event_id(self, place: int) -> str:
        if place == 0:
            return self.import_id
        return uuid7_shaped(hashlib.blake2b(f"{self.import_id}/{place}".encode(),
                                            digest_size=16).digest())

    def _opinion_stream(self, comment_id: int, voter_id: int) -> str:
        return opinion_stream(self._statement(comment_id), self._participant(voter_id))

    def _participant(self, polis_id: int | None) -> str:
        if (known := self._participants.get(polis_id)) is None:
            known = self._participants[polis_id] = pseudonym(
                "pp", self.consultation_id, "?" if polis_id is None else str(polis_id))
        return known

    def _statement(self, number: int) -> str:
        if (known := self._statements.get(number)) is None:
            known = self._statements[number] = statement_id(self.consultation_id, number)
        return known


def _vote_versions(conversation: Conversation) -> NDArray[np.int64]:
    """Each vote row's version in its (statement, voter) stream: 1 for the first
    row of the pair in file order, 2 for a re-vote... Counted in arrays (a dict
    of the pairs held ~150 bytes each: 300 MB at two million votes)."""
    import numpy as np  # the synthesis' own dependency, imported where it works

    votes = conversation.votes
    if not votes:
        return np.empty(0, dtype=np.int64)
    pairs = np.empty((len(votes), 2), dtype=np.int64)
    pairs[:, 0] = vote_column(votes, "comment_id")
    pairs[:, 1] = vote_column(votes, "voter_id")
    _, pair = np.unique(pairs, axis=0, return_inverse=True)
    pair = pair.reshape(-1)
    order = np.argsort(pair, kind="stable")  # each pair's rows together, in file order
    ranked = pair[order]
    places = np.arange(len(votes))
    starts = np.maximum.accumulate(np.where(np.r_[True, ranked[1:] != ranked[:-1]], places, 0))
    versions = np.empty(len(votes), dtype=np.int64)
    versions[order] = places - starts + 1
    return versions
