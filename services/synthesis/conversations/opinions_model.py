# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""The opinions of each consultation, as the analysts' opinion groups page reads
them (projection `synthesis.opinions`, topics `synthesis.events` and
`vote.events`, ADR 0064): only the consultation's own, each participant's latest
opinion per statement. `OpinionBook.from_log` reads both topics whole, every
consultation's imported conversations and ballots: 2.3 s for a consultation of
2,000 ballots beside another's conversation of 323,376 opinions.

| table | partition | key | doc |
|---|---|---|---|
| synthesis_opinion_books | "all" | consultation_id | {facts (the imported conversation's), voted_items, changes, imported: [statements, votes] (the import's events applied), arrived_at (ms: when the latest of them reached the log)} |
| synthesis_opinion_statements | consultation_id | statement_id | an imported statement {number, author_id, body, moderated, created_at_ms, is_meta}, or a voted item {vote_index, created_at_ms} |
| synthesis_opinions | consultation_id | "<statement_id> <participant_id>" | {o (1, -1, 0; None once withdrawn), at (ms), v (an imported opinion's stream version applied)} |

An opinion's document holds the event that wins for its (participant, statement):
the latest in time, the log's order breaking ties, as `OpinionBook.latest` picks
it; a withdrawal that wins leaves no opinion. The imported conversation's events
are guarded by these documents rather than by the per-stream guards (ADR 0131):
each is alone in its stream, or (an opinion) shares it only with the same pair's
re-votes, whose latest version applied its document keeps. `changes` counts the
consultation's applied events: what tells a front its groups are out of date. The
publication of groups (a decision, recorded) reads the model once the model's marks
show it holds what the log held when the decision began, the log otherwise (ADR
0054). The model keeps a consultation's ballots beside its imported conversation;
its reads (`book_of`, `statements_of`) give the conversation's opinions alone once
one is imported, the ballots' otherwise, as `OpinionBook` does (ADR 0138)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.core.envelope import Envelope
from services.eventlog.port import EventLog, ModelProgress, ends_of
from services.store.paging import partition_rows
from services.store.port import Doc, ReadStore, StoreTx, Where
from services.store.projection import Projection
from services.synthesis.events import (
    CONVERSATION_EVENTS,
    ConversationImported,
    OpinionRecorded,
    StatementImported,
)
from services.synthesis.opinions import (
    OPINION_OF_CHOICE,
    OpinionBook,
    Statement,
    ballot_at_ms,
    missing_of_import,
    voted_item,
)
from services.synthesis.polis.importer import (
    conversation_stream,
    opinion_stream,
    statement_stream,
)
from services.vote.events import BallotCast, BallotWithdrawn

BOOKS = "synthesis_opinion_books"
STATEMENTS = "synthesis_opinion_statements"
OPINIONS = "synthesis_opinions"
ALL = "all"
PAGE = 5000  # documents a read of the model asks at once
_BALLOTS = frozenset({BallotCast.TYPE, BallotWithdrawn.TYPE})
_APPLIED = CONVERSATION_EVENTS | _BALLOTS


def opinion_key(statement_id: str, participant_id: str) -> str:
    # a statement's id holds no space (a pseudonym, a contribution's id): the
    # documents need not repeat the ids, a third of their size at 323,376 opinions
    return f"{statement_id} {participant_id}"


def _empty_book() -> Doc:
    return {"facts": {}, "voted_items": 0, "changes": 0}


class OpinionsProjection(Projection):
    name = "synthesis.opinions"
    topics = ("synthesis.events", "vote.events")
    tables = (BOOKS, STATEMENTS, OPINIONS)
    # an agree ballot 12 µs (bench/profile_consumers.py), the other events passed over
    replay_cost = 0.5
    guards_itself = CONVERSATION_EVENTS  # by the documents they write (ADR 0131)
    # an import's opinions land anywhere in their table: catching up with a million
    # of them took 72-82 s in batches of 1,000, 50 s in batches of 20,000 (ADR 0132)
    catch_up_batch = 20_000

    def skips(self, event: Envelope) -> bool:
        # agree/disagree ballots only: supports, rankings, budgets are not opinions
        return event.type not in _APPLIED or (
            event.type in _BALLOTS and event.data.get("ballot_kind") != "agree")

    def reads(self, events: Sequence[Envelope]) -> Iterable[Where]:
        for event in events:
            d = event.data
            cid = d["consultation_id"]
            yield BOOKS, ALL, cid
            if event.type == OpinionRecorded.TYPE:
                yield OPINIONS, cid, opinion_key(d["statement_id"], d["participant_id"])
            elif event.type == StatementImported.TYPE:
                yield STATEMENTS, cid, d["statement_id"]
            elif event.type in _BALLOTS:
                yield OPINIONS, cid, opinion_key(d["item_id"], d["participant_id"])
                yield STATEMENTS, cid, d["item_id"]

    async def apply(self, event: Envelope, tx: StoreTx) -> bool:
        d, cid = event.data, event.data["consultation_id"]
        book = await tx.get(BOOKS, ALL, cid) or _empty_book()
        if event.type == ConversationImported.TYPE:
            if book["facts"]:  # its stream's one event, applied (ADR 0131)
                return False
            book["facts"] = {k: v for k, v in d.items() if k != "consultation_id"}
        elif event.type == StatementImported.TYPE:
            if await tx.get(STATEMENTS, cid, d["statement_id"]) is not None:
                return False  # its stream's one event, applied
            await tx.put(STATEMENTS, cid, d["statement_id"], {
                k: d[k] for k in ("number", "author_id", "body", "moderated",
                                  "created_at_ms", "is_meta")})
            _imported(book, 0)
        elif event.type == OpinionRecorded.TYPE:
            if not await self._imported_opinion(event, tx):
                return False
            _imported(book, 1)
        else:  # an agree/disagree ballot: its item is the statement
            item, at_ms = d["item_id"], ballot_at_ms(event)
            if await tx.get(STATEMENTS, cid, item) is None:
                await tx.put(STATEMENTS, cid, item, {
                    "vote_index": book["voted_items"], "created_at_ms": at_ms})
                book["voted_items"] += 1
            opinion = OPINION_OF_CHOICE[d["choice"]] if event.type == BallotCast.TYPE else None
            key = opinion_key(item, d["participant_id"])
            await _latest(tx, cid, key, await tx.get(OPINIONS, cid, key), opinion, at_ms)
        if event.type in CONVERSATION_EVENTS:
            # when the log took it (not the Pol.is time it carries): what tells an
            # import still writing from one interrupted (ADR 0130)
            book["arrived_at"] = _ms(event.recorded_at or event.occurred_at)
        book["changes"] += 1
        await tx.put(BOOKS, ALL, cid, book)
        return True

    async def own_guards(self, store: ReadStore) -> AsyncIterator[tuple[str, int]]:
        async for cid, book in partition_rows(store, BOOKS, ALL, page_size=PAGE):
            if book["facts"]:
                yield conversation_stream(cid), 1
            async for sid, doc in partition_rows(store, STATEMENTS, cid, page_size=PAGE):
                if "number" in doc:  # imported (a voted item is a ballot's)
                    yield statement_stream(sid), 1
            async for key, doc in partition_rows(store, OPINIONS, cid, page_size=PAGE):
                if "v" in doc:  # imported, since ADR 0131 (before: the guards)
                    statement_id, _, participant_id = key.partition(" ")
                    yield opinion_stream(statement_id, participant_id), doc["v"]

    async def _imported_opinion(self, event: Envelope, tx: StoreTx) -> bool:
        """Keep an imported opinion as `_latest` keeps any, noting its stream's
        version in the document; False for a version the document has seen (a
        redelivery)."""
        d, cid = event.data, event.data["consultation_id"]
        key = opinion_key(d["statement_id"], d["participant_id"])
        kept = await tx.get(OPINIONS, cid, key)
        if kept is not None:
            seen = kept.get("v")
            if seen is None:  # written before ADR 0131, under the per-stream guard
                seen = (await tx.applied_versions(self.name, [event.stream]))[event.stream]
            if event.stream_version <= seen:
                return False
        await _latest(tx, cid, key, kept, d["opinion"], d["voted_at_ms"],
                      version=event.stream_version)
        return True


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _imported(book: Doc, which: int) -> None:
    counts = book.setdefault("imported", [0, 0])  # absent from a book made before ADR 0124
    counts[which] += 1


async def _latest(tx: StoreTx, cid: str, key: str, kept: Doc | None, opinion: int | None,
                  at_ms: int, *, version: int | None = None) -> None:
    """Keep the event over `kept` (the pair's document) if it is the latest of its
    (participant, statement): events come in the log's order, so one of the same
    instant comes after. `version`: an imported opinion's stream version, noted in
    the document whichever event wins (ADR 0131)."""
    if kept is None or at_ms >= kept["at"]:
        kept = {"o": opinion, "at": at_ms}
    elif version is None:
        return  # an older ballot: the document stays as it is
    await tx.put(OPINIONS, cid, key, kept if version is None else {**kept, "v": version})


async def holds_the_log(log: EventLog, progress: ModelProgress, *, within: float) -> bool:
    """Whether the model holds every event the log holds now (its topics' ends taken
    here), waiting up to `within` seconds for it (ADR 0054)."""
    upto = await ends_of(log, OpinionsProjection.topics)
    return await progress.holds(OpinionsProjection.name, upto, within=within)


async def opinions_changed(store: ReadStore, consultation_id: str) -> int:
    """How many of the consultation's opinion events the model has applied: a
    marker of its groups' inputs (0 before any)."""
    book = await store.get(BOOKS, ALL, consultation_id)
    return book["changes"] if book else 0


@dataclass(frozen=True, slots=True)
class ArrivingImport:
    """An import the model does not hold whole yet: `missing`, as
    `OpinionBook.import_arriving` says it; `announced`, the statements and votes its
    first event announced; `files`, the staged files it read (file name ->
    SHA-256), what « Reprendre l'import » sends again (empty: an import made before
    ADR 0127 did not name them); `arrived_at_ms`, when the latest of its events the
    model holds reached the log (None in a book made before ADR 0130)."""

    missing: tuple[int, int]
    announced: tuple[int, int]
    files: dict[str, str]
    arrived_at_ms: int | None = None

    @property
    def share(self) -> int:
        """The per cent of the announced events the model holds, rounded down:
        100 only once whole."""
        return 100 * (sum(self.announced) - sum(self.missing)) // sum(self.announced)


async def import_arriving(store: ReadStore, consultation_id: str) -> ArrivingImport | None:
    """The consultation's import as the model holds it now, None when none is
    arriving; from its book alone, read once (a page shows it at each view, beside
    groups computed earlier)."""
    book = await store.get(BOOKS, ALL, consultation_id)
    if book is None:
        return None
    facts = book["facts"]
    missing = missing_of_import(facts, *book.get("imported", (0, 0)))
    if missing is None:
        return None
    return ArrivingImport(missing, (facts["statements"], facts["votes"]),
                          dict(facts.get("files") or {}), book.get("arrived_at"))


async def import_held_whole(store: ReadStore, consultation_id: str) -> bool:
    """Whether the model holds the consultation's imported conversation whole: its
    first event, and every statement and vote that event announced (one read)."""
    book = await store.get(BOOKS, ALL, consultation_id)
    if book is None or not book["facts"]:
        return False
    return missing_of_import(book["facts"], *book.get("imported", (0, 0))) is None


async def published_from_import(store: ReadStore, published: Doc) -> bool:
    """Whether `published` opinion groups (`projection.published_groups`) are an
    imported conversation's rather than the consultation's own agree/disagree
    ballots' (ADR 0138): their statements are the import's in this model (a voted
    item has no Pol.is number). One read; a publication that names no statement
    (no representative, no consensus) is the import's when one is held."""
    cid = published["consultation_id"]
    named = {s["statement_id"] for g in published["groups"] for s in g["representative"]}
    named |= {s["statement_id"] for s in published["consensus"]}
    if named:
        docs = await store.get_many(STATEMENTS, cid, sorted(named))
        return any("number" in doc for doc in docs.values())
    return _holds_import(await store.get(BOOKS, ALL, cid), {})


async def statements_of(store: ReadStore, consultation_id: str) -> dict[str, Statement]:
    """The consultation's statements as `OpinionBook.from_log` numbers them: the
    imported conversation's once one is, each voted item in the order of its first
    ballot otherwise (ADR 0138). Without the opinions: what « Publier » needs for
    the voted items' titles."""
    kept = await store.get(BOOKS, ALL, consultation_id)
    imported, voted = await _statements(store, consultation_id)
    return imported if _holds_import(kept, imported) else voted


async def book_of(store: ReadStore, consultation_id: str) -> OpinionBook:
    """The consultation's opinions as `OpinionBook.from_log` reads them for an
    analysis: the same statements (the imported conversation's once one is, its
    voted items otherwise, ADR 0138), the same latest opinions and the same own
    ballots left out, without their history (the re-votes: an export reads the log)."""
    book = OpinionBook(consultation_id)
    kept = await store.get(BOOKS, ALL, consultation_id)
    book.facts = dict(kept["facts"]) if kept else {}
    book.imported_statements, book.imported_votes = kept.get("imported", (0, 0)) if kept else (0, 0)
    imported, voted = await _statements(store, consultation_id)
    latest: dict[tuple[str, str], int] = {}
    own: dict[tuple[str, str], int] = {}
    async for key, doc in partition_rows(store, OPINIONS, consultation_id, page_size=PAGE):
        if doc["o"] is not None:
            statement_id, _, participant_id = key.partition(" ")
            kind = own if statement_id in voted else latest
            kind[(participant_id, statement_id)] = doc["o"]
    if _holds_import(kept, imported):
        book.statements, book.known_latest = imported, latest
        book.left_out = OpinionBook(consultation_id, statements=voted, known_latest=own)
    else:
        book.statements, book.known_latest = voted, own
    return book


async def _statements(store: ReadStore, consultation_id: str,
                      ) -> tuple[dict[str, Statement], dict[str, Statement]]:
    """The imported statements, and the voted items in the order of their first
    ballot, numbered from 0 as `OpinionBook` numbers them."""
    imported: dict[str, Statement] = {}
    voted: list[tuple[int, Statement]] = []
    async for sid, doc in partition_rows(store, STATEMENTS, consultation_id, page_size=PAGE):
        if "number" in doc:
            imported[sid] = Statement(statement_id=sid, **doc)
        else:
            voted.append((doc["vote_index"], voted_item(sid, doc["vote_index"],
                                                        doc["created_at_ms"])))
    return imported, {s.statement_id: s for _, s in sorted(voted, key=lambda v: v[0])}


def _holds_import(book: Doc | None, imported: dict[str, Statement]) -> bool:
    """Whether any event of an imported conversation reached the model: its facts,
    a statement or an opinion (on Kafka the first event need not come first), as
    `OpinionBook.holds_import` says it from the log."""
    if imported:
        return True
    return book is not None and (bool(book["facts"]) or any(book.get("imported", ())))
