# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""The search indexer: a projection of deposit, moderation, vote, identity and
consultation events that keeps the search index equal to "what is published".

| table | partition | key | doc |
|---|---|---|---|
| search_state | "all" | contribution_id | the contribution as the index needs it, its decision, votes and `rev` |
| search_authors | "all" | participant_id | {level, erased, contributions: [ids]} |
| search_phases | "all" | consultation_id | {phases: [{phase_id, starts_at, ends_at}]} |
| search_votes_held | "all" | "ids" | {ids: [contribution ids whose new vote count waits for the index]} |

Every event that changes a contribution raises its `rev`; the index receives the
documents (or their deletion) with `rev` as external version. Merges are order-free
(a decision or a ballot may arrive before the submission: the state waits for it;
vote counts move by the deltas the ballot events carry), and the projection guard
skips redeliveries, so any delivery order ends in the same documents. A questionnaire
response gives one document per text answer (`<contribution>~<question>`).

The index is written once per batch (`end_batch`, still inside the store transaction,
so before the guards commit; `begin_batch` drops what a failed attempt collected): every index write ends with a commit (tantivy: a segment
and an fsync), and one per event -- per ballot -- held the read store's shared write
lock for seconds per batch, stalling every other projection behind it (ADR 0019).
A batch's states are written and their documents built once per contribution, from
its last state, at the batch's end: a hundred ballots on one item in a batch are one
state write and one document, not a hundred (ADR 0087). Under load (after a heavy
batch, `WorkerTuning.paced_batch`) the worker starts the next batch no sooner than
BATCH_EVERY seconds after it: a tantivy commit costs ~10 ms of CPU whatever its size.

Under a flood of ballots, a heavy batch's items whose only change is their vote
count have their state written but their documents held back, at most VOTES_EVERY
seconds (ADR 0108): rebuilding every voted item's document and committing the index
four times a second was most of what a ballot cost the projections, for a number
that search results show and sort by, not the tallies. The held items' ids are kept
in `search_votes_held` in the same transaction, so a restart writes them; a light
batch, a replay and the worker's empty batch once the time is up (`flush_due`)
write them all, and any other change of an item writes its document at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from services.core.envelope import Envelope
from services.core.upcasting import upcast
from services.core.values import iso
from services.moderation import publication
from services.search.port import SearchDoc, SearchIndex
from services.store.port import StoreTx, Where
from services.store.projection import Projection
from services.territory.geography import DEPARTEMENTS, REGION_OF_DEPARTEMENT

STATE = "search_state"
AUTHORS = "search_authors"
PHASES = "search_phases"
HELD = "search_votes_held"
HELD_KEY = "ids"
ALL = "all"
POSITIVE = frozenset({"support", "agree"})  # the ballots counted as votes for an item
BALLOTS = ("vote.BallotCast", "vote.BallotWithdrawn")
# Under load, the starts of two batches at least this far apart (seconds): fewer,
# larger index commits. Well within the search's freshness target (1 s at p95).
BATCH_EVERY = 0.25
# Under load, the longest an item's vote count in the index waits behind its
# ballots (seconds), and what makes a batch heavy enough to hold them back: as
# many events as make the worker pace its batches (WorkerTuning.paced_batch).
VOTES_EVERY = 2.0
HEAVY_BATCH = 64


class SearchIndexer(Projection):
    name = "search.indexer"
    topics = ("deposit.events", "moderation.events", "vote.events", "identity.events",
              "consultation.events")
    tables = (STATE, AUTHORS, PHASES, HELD)
    ignores = publication.QUEUE_ONLY | {publication.SUBMISSION_KEY}
    batch_every = BATCH_EVERY

    def __init__(self, search_index: SearchIndex, *,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self.index = search_index
        # The states the batch changed, by contribution id, each in its last version:
        # written, and their documents built, once at the batch's end.
        self._pushed: dict[str, dict[str, Any]] = {}
        # Those whose only change is their vote count: written at the batch's end,
        # their documents maybe held back (ADR 0108).
        self._voted: dict[str, dict[str, Any]] = {}
        self._applied = 0  # events of the batch
        self._timer = timer  # seconds, for the pacing (not the domain clock port)
        self._written_at = -math.inf  # when the held counts were last all written
        self._replaying = False
        # Whether counts may be held: unknown at start (a previous process may have
        # held some), so the worker's first idle turn looks.
        self._holding = True

    def flush_due(self) -> bool:
        """Held vote counts whose time is up: the worker then runs an empty batch."""
        return self._holding and self._timer() - self._written_at >= VOTES_EVERY

    def skips(self, event: Envelope) -> bool:
        """Also every vote event but a ballot that moves an item's count (a first
        "disagree", a changed "agree" to "support", the settings): the count is all
        the index reads of them, and the ballot's data alone says whether it moves."""
        if event.type in self.ignores:
            return True
        return event.type.startswith("vote.") and _vote_step(upcast(event)) == 0

    async def reset(self) -> None:
        """Called by `parlons replay search.indexer` (and a worker rebuilding the
        index, ADR 0032) before the log is read again: the pages that follow are
        one bulk load, made durable by `rebuilt` (ADR 0073). A replay holds no vote
        count back: the index it leaves is complete."""
        self._replaying = True
        await self.index.clear()
        await self.index.begin_bulk()

    async def rebuilt(self) -> None:
        self._replaying = False
        await self.index.end_bulk()

    async def built_from(self) -> str | None:
        """The index lives outside the read store: the worker rebuilds it when it
        was built from another log (ADR 0032)."""
        return await self.index.origin()

    async def set_built_from(self, log_identity: str) -> None:
        await self.index.set_origin(log_identity)

    def reads(self, events: Sequence[Envelope]) -> list[Where]:
        return publication.contribution_reads(events, STATE, AUTHORS, publication.SUBMITTED)

    def begin_batch(self) -> None:
        self._pushed = {}
        self._voted = {}
        self._applied = 0

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        self._applied += 1
        d, t = event.data, event.type
        if t == "consultation.PhasesScheduled":
            await tx.put(PHASES, ALL, d["consultation_id"], {"phases": [
                {k: p[k] for k in ("phase_id", "starts_at", "ends_at")} for p in d["phases"]]})
        elif t.startswith("identity."):
            await self._identity(event, tx)
        elif t.startswith("vote."):
            await self._vote(event, tx)
        elif "contribution_id" in d and (t.startswith(("deposit.", "moderation."))):
            state = await self._state(tx, d["contribution_id"])
            if not _merge(state, event):
                return
            if t in publication.SUBMITTED:
                await publication.remember_author(tx, AUTHORS, state["author_id"], state["id"],
                                                 level="anonymous")
            self._push(state)

    async def end_batch(self, tx: StoreTx) -> None:
        pushed, self._pushed = self._pushed, {}
        voted, self._voted = self._voted, {}
        for state in pushed.values():
            await tx.put(STATE, ALL, state["id"], state)
        for state in voted.values():
            await tx.put(STATE, ALL, state["id"], state)
        indexed = list(pushed.values())
        held_doc = await tx.get(HELD, ALL, HELD_KEY)
        held = set(held_doc["ids"]) if held_doc else set()
        now = self._timer()
        writes_all = (self._replaying or self._applied < HEAVY_BATCH
                      or now - self._written_at >= VOTES_EVERY)
        if writes_all:
            indexed += voted.values()
            for cid in sorted(held - pushed.keys() - voted.keys()):
                stored = await tx.get(STATE, ALL, cid)
                if stored is not None:
                    indexed.append(stored)
            if held_doc is not None:
                await tx.delete(HELD, ALL, HELD_KEY)
        elif voted.keys() - held:
            await tx.put(HELD, ALL, HELD_KEY, {"ids": sorted(held | voted.keys())})
        await self._write_documents(indexed, tx)
        # Only once the index took the documents: a failure above leaves the flags
        # saying "held", so the worker's idle turn tries again.
        if writes_all:
            self._written_at, self._holding = now, False
        else:
            self._holding = bool(held or voted)

    async def _write_documents(self, states: Iterable[dict[str, Any]], tx: StoreTx) -> None:
        """The documents of `states` (or their deletion), in one index write."""
        writes: dict[str, tuple[int, SearchDoc | None]] = {}  # by document id
        authors: dict[str, dict[str, Any]] = {}
        phases: dict[str, list[dict[str, Any]]] = {}
        for state in states:
            ids = doc_ids(state)
            if not ids:
                continue
            if state["author_id"] not in authors:
                authors[state["author_id"]] = (await tx.get(AUTHORS, ALL, state["author_id"])
                                               or _new_author())
            author = authors[state["author_id"]]
            state["erased"] = author["erased"]
            if not publication.shows(state):
                writes.update((i, (state["rev"], None)) for i in ids)
                continue
            if state["consultation_id"] not in phases:
                found = await tx.get(PHASES, ALL, state["consultation_id"])
                phases[state["consultation_id"]] = found["phases"] if found else []
            docs = documents(state, author, phases[state["consultation_id"]])
            writes.update((doc.id, (state["rev"], doc)) for doc in docs)
        upserts = [(doc, rev) for rev, doc in writes.values() if doc is not None]
        deletes = [(i, rev) for i, (rev, doc) in writes.items() if doc is None]
        if upserts:
            await self.index.upsert(upserts)
        if deletes:
            await self.index.delete(deletes)

    async def _vote(self, event: Envelope, tx: StoreTx) -> None:
        step = _vote_step(event)
        if not step:
            return
        state = await self._state(tx, event.data["item_id"])
        state["votes"] += step
        state["rev"] += 1  # as a push: the document's version follows the state's
        if state["id"] not in self._pushed:
            self._voted[state["id"]] = state

    async def _identity(self, event: Envelope, tx: StoreTx) -> None:
        d = event.data
        if event.type not in ("identity.ParticipantRegistered", "identity.IdentityLevelRaised",
                              "identity.ParticipantErased"):
            return
        author = await tx.get(AUTHORS, ALL, d["participant_id"]) or _new_author()
        if event.type == publication.ERASED:
            author["erased"] = True
        elif not author["erased"]:
            author["level"] = d["level"]
        await tx.put(AUTHORS, ALL, d["participant_id"], author)
        for cid in author["contributions"]:
            state = (self._pushed.get(cid) or self._voted.get(cid)
                     or await tx.get(STATE, ALL, cid))
            if state is not None:
                self._push(state)

    async def _state(self, tx: StoreTx, contribution_id: str) -> dict[str, Any]:
        """The contribution's state: as the batch left it, else as stored."""
        return (self._pushed.get(contribution_id) or self._voted.get(contribution_id)
                or await _state(tx, contribution_id))

    def _push(self, state: dict[str, Any]) -> None:
        """A change to write: every push raises `rev`, as one write per push did
        (the stored states are the same), and the batch's end writes the last."""
        state["rev"] += 1
        self._voted.pop(state["id"], None)
        self._pushed[state["id"]] = state


def doc_ids(state: dict[str, Any]) -> list[str]:
    if state["kind"] is None:
        return []
    if state["kind"] == "answer":
        return [f"{state['id']}~{a['question_id']}" for a in state["answers"]]
    return [state["id"]]


def documents(state: dict[str, Any], author: dict[str, Any],
              phases: list[dict[str, Any]]) -> list[SearchDoc]:
    common: dict[str, Any] = {
        "date": state["submitted_at"], "votes": state["votes"],
        "consultation_id": state["consultation_id"], "kind": state["kind"],
        "phase_id": _phase_at(phases, state["submitted_at"]), "theme_id": state["theme_id"],
        "identity_level": author["level"],
        "status": "approved" if state["decision"] == "approved" else "published",
        **_territory(state["territory"])}
    if state["kind"] != "answer":
        return [SearchDoc(id=state["id"], title=state["title"], body=state["body"], **common)]
    return [SearchDoc(id=f"{state['id']}~{a['question_id']}", title="", body=a["text"],
                      question_id=a["question_id"], **common) for a in state["answers"]]


def _vote_step(event: Envelope) -> int:
    """How a vote event moves its item's count of positive ballots: -1, 0 or +1."""
    if event.type not in BALLOTS:
        return 0
    d = event.data
    before = (d.get("previous") or {}).get("choice") in POSITIVE
    after = event.type == "vote.BallotCast" and d["choice"] in POSITIVE
    return int(after) - int(before)


def _merge(state: dict[str, Any], event: Envelope) -> bool:
    """Fold one deposit or moderation event into the state; False if it changes nothing."""
    d, t = event.data, event.type
    if t in publication.SUBMITTED:
        state.update(kind=publication.SUBMITTED[t], consultation_id=d["consultation_id"],
                     author_id=d["author_id"], theme_id=d.get("theme_id", ""),
                     territory=d.get("territory", ""), submitted_at=iso(event.occurred_at))
        if not state["masked"]:
            state.update(title=d.get("title", ""), body=d.get("body", ""))
        state["answers"] = [
            {"question_id": a["question_id"], "text": " ".join(
                x for x in (a.get("text") or "", a.get("other_text") or "") if x)}
            for a in d.get("answers", []) if a.get("text") or a.get("other_text")]
    elif t in (publication.EDITED, publication.MASKED) and publication.takes_text(state, event):
        state.update(body=d["body"], title=d["title"] or state["title"])
    return publication.evolve(state, event)


async def _state(tx: StoreTx, contribution_id: str) -> dict[str, Any]:
    return await tx.get(STATE, ALL, contribution_id) or {
        **publication.new_state(contribution_id), "consultation_id": "", "author_id": "",
        "title": "", "body": "", "theme_id": "", "territory": "", "submitted_at": "",
        "answers": [], "votes": 0, "rev": 0}


def _new_author() -> dict[str, Any]:
    return {**publication.new_author(), "level": "anonymous"}


def _territory(code: str) -> dict[str, str]:
    """"35" -> département and its région; "R53" -> région; "FR" or "" -> nothing."""
    if code.startswith("R"):
        return {"region": code[1:]}
    if code in DEPARTEMENTS:
        return {"departement": code, "region": REGION_OF_DEPARTEMENT[code]}
    return {}


def _phase_at(phases: list[dict[str, Any]], when: str) -> str:
    try:
        at = datetime.fromisoformat(when)
        for p in phases:
            if datetime.fromisoformat(p["starts_at"]) <= at < datetime.fromisoformat(p["ends_at"]):
                return str(p["phase_id"])
    except (TypeError, ValueError):  # a phase without dates, or dates without offsets
        return ""
    return ""
