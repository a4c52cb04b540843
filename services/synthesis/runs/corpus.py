# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""What a theme run reads: the published proposals and open answers of a
consultation (projection `synthesis.corpus` over deposit and moderation events),
behind the `SynthesisSource` port.

| table | partition | key | doc |
|---|---|---|---|
| synthesis_corpus_state | "all" | contribution_id | internal: the contribution, its decision, campaign |
| synthesis_corpus | consultation_id | doc id | DOC = {id, contribution_id, kind, text, day, author_id, campaign, proposal_id, questionnaire_id, question_id} while published |
| synthesis_corpus_position | "all" | consultation_id | {events, texts}: deposit/moderation events applied for it (the run's input position); its published docs per run scope key (`texts_keys`) |
| synthesis_corpus_authors | "all" | participant_id | {erased, contributions: [ids]} |

A questionnaire response gives one doc per open answer (`<contribution>~<question>`),
a proposal one doc (title and body). An answer names its questionnaire (question
ids are unique within one only: a run scoped to a question needs both, ADR 0143);
a corpus built before 2026-12-08 lacks it until `parlons replay synthesis.corpus`. Published means what the public sees
(`services.moderation.publication.shows`, as the search index: an erased person's
texts leave the synthesis).

The position also counts the docs per run scope (`texts`, ADR 0143 amended), moved
in the write that adds or removes a doc: what the « Nouvelle analyse » form shows
and a run request is refused on, read in one `get` (counting the partition would
read every text). A position from before it counted has no `texts`, and keeps none
until `parlons replay synthesis.corpus`: "cannot tell", never a false 0."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.core.envelope import Envelope
from services.moderation import publication
from services.store.paging import whole_partition
from services.store.port import ReadStore, StoreTx, Where
from services.store.projection import Projection

STATE = "synthesis_corpus_state"
CORPUS = "synthesis_corpus"
POSITION = "synthesis_corpus_position"
AUTHORS = "synthesis_corpus_authors"
ALL = "all"
KINDS = {"deposit.ProposalSubmitted": "proposal", "deposit.ResponseSubmitted": "answer"}
PAGE = 1000
# The run scopes' keys (runs.scope.RunScope.key; here, as scope.py imports this
# module), the form's values (French, like the routes): the whole consultation "",
# its proposals, one question of one questionnaire.
WHOLE_KEY, PROPOSALS_KEY = "", "propositions"


def question_key(questionnaire_id: str, question_id: str) -> str:
    return f"question/{questionnaire_id}/{question_id}"


def texts_keys(kind: str, question_id: str, questionnaire_id: str | None) -> tuple[str, ...]:
    """The scopes a published doc counts in: the whole consultation, and its proposals
    or its question (not known for a doc from before docs named their questionnaire)."""
    if kind == "proposal":
        return WHOLE_KEY, PROPOSALS_KEY
    if questionnaire_id is None:
        return (WHOLE_KEY,)
    return WHOLE_KEY, question_key(questionnaire_id, question_id)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The published input of a consultation at one position."""

    docs: list[dict[str, Any]]
    position: dict[str, int] = field(default_factory=dict)
    scope_key: str = ""  # a scoped run's input (runs.scope.select): part of its digest

    @property
    def campaign_of(self) -> dict[str, str]:
        return {d["id"]: d["campaign"] for d in self.docs if d.get("campaign")}

    def digest(self) -> str:
        h = hashlib.sha256()
        if self.scope_key:  # none: the whole consultation, digested as before scopes
            h.update(f"scope\x1f{self.scope_key}\x1e".encode())
        for d in sorted(self.docs, key=lambda d: d["id"]):
            h.update(f"{d['id']}\x1f{d['day']}\x1f{d.get('campaign', '')}\x1f{d['text']}\x1e"
                     .encode())
        return h.hexdigest()


class SynthesisSource(ABC):
    """The published contributions of a consultation, as a run and the public
    synthesis page need them."""

    @abstractmethod
    async def snapshot(self, consultation_id: str) -> Snapshot: ...

    @abstractmethod
    async def published(self, consultation_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Those of `ids` still published now (one round trip)."""

    @abstractmethod
    async def texts(self, consultation_id: str) -> dict[str, int] | None:
        """How many texts each run scope holds now, by scope key (a scope absent: 0);
        None when the corpus cannot tell (built before it counted, or nothing
        projected for the consultation yet: a lag is not an empty consultation)."""


class StoreSynthesisSource(SynthesisSource):
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    async def snapshot(self, consultation_id: str) -> Snapshot:
        docs = await whole_partition(self.store, CORPUS, consultation_id, page_size=PAGE)
        pos = await self.store.get(POSITION, ALL, consultation_id) or {"events": 0}
        return Snapshot(docs, {"corpus_events": int(pos["events"])})

    async def published(self, consultation_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return await self.store.get_many(CORPUS, consultation_id, list(ids)) if ids else {}

    async def texts(self, consultation_id: str) -> dict[str, int] | None:
        return await texts_per_scope(self.store, consultation_id)


async def texts_per_scope(store: ReadStore, consultation_id: str) -> dict[str, int] | None:
    """`SynthesisSource.texts` from the read store: one `get`, whatever the corpus's size."""
    pos = await store.get(POSITION, ALL, consultation_id)
    if pos is None or "texts" not in pos:
        return None
    return {k: int(n) for k, n in pos["texts"].items()}


class MemorySynthesisSource(SynthesisSource):
    """A fake for unit tests: docs set by hand."""

    def __init__(self, docs: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.docs = docs or {}

    async def snapshot(self, consultation_id: str) -> Snapshot:
        docs = sorted(self.docs.get(consultation_id, []), key=lambda d: d["id"])
        return Snapshot(list(docs), {"corpus_events": len(docs)})

    async def published(self, consultation_id: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        wanted = set(ids)
        return {d["id"]: d for d in self.docs.get(consultation_id, []) if d["id"] in wanted}

    async def texts(self, consultation_id: str) -> dict[str, int] | None:
        out: dict[str, int] = {}
        for d in self.docs.get(consultation_id, []):
            if d["kind"] != "proposal" and "questionnaire_id" not in d:
                return None  # as a corpus from before docs named their questionnaire
            for key in texts_keys(d["kind"], d["question_id"], d.get("questionnaire_id", "")):
                out[key] = out.get(key, 0) + 1
        return out


class CorpusProjection(Projection):
    name = "synthesis.corpus"
    replay_cost = 1.3  # 29 µs an event read (bench/replay.py, 2026-12-06)
    topics = ("deposit.events", "moderation.events", "identity.events")
    tables = (STATE, CORPUS, POSITION, AUTHORS)
    # a check is read (its campaign group), the queue's other events are not
    ignores = (publication.QUEUE_ONLY - {"moderation.ContributionChecked"}) | {
        publication.SUBMISSION_KEY} | (publication.SUBMITTED.keys() - KINDS.keys())

    def reads(self, events: Sequence[Envelope]) -> list[Where]:
        return publication.contribution_reads(events, STATE, AUTHORS, KINDS)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        d, t = event.data, event.type
        if t == publication.ERASED:
            await _erase(tx, d["participant_id"])
            return
        if "contribution_id" not in d or t == "deposit.ContributionPolicySet":
            return
        state = await tx.get(STATE, ALL, d["contribution_id"]) or _skeleton(d)
        if t in KINDS:
            author = await publication.remember_author(tx, AUTHORS, d["author_id"], state["id"])
            state["erased"] = author["erased"]
            publication.evolve(state, event)
            state.update(kind=KINDS[t], consultation_id=d["consultation_id"],
                         author_id=d["author_id"], day=event.occurred_at.date().isoformat(),
                         questionnaire_id=d.get("questionnaire_id", ""))
            answers = [{"question_id": a["question_id"],
                        "text": _join(a.get("text") or "", a.get("other_text") or "")}
                       for a in d.get("answers", []) if a.get("text") or a.get("other_text")]
            if state["masked"]:  # a mask read first (the other topic) keeps its text
                state["answers"] = [{**a, "text": state["proposal_text"]} for a in answers]
            else:
                state.update(proposal_text=_join(d.get("title", ""), d.get("body", "")),
                             answers=answers)
        elif t in (publication.EDITED, publication.MASKED):
            if publication.takes_text(state, event):
                state["proposal_text"] = _join(d["title"], d["body"])
                if t == publication.MASKED:
                    state["answers"] = [{**a, "text": d["body"]} for a in state["answers"]]
            if not publication.evolve(state, event):
                return  # a mask an edit had already replaced
        elif t in ("deposit.ContributionWithdrawn", "moderation.DecisionMade",
                   "moderation.AppealDecided"):
            if not publication.evolve(state, event):
                return  # an upheld appeal changes nothing
        elif t == "moderation.ContributionChecked" and d["campaign_group_id"]:
            for member in {d["contribution_id"], *d["campaign_members_moved"]}:
                other = state if member == state["id"] else (
                    await tx.get(STATE, ALL, member) or _skeleton({**d, "contribution_id": member}))
                other["campaign"] = d["campaign_group_id"]
                if other is not state:
                    await _write(other, tx)
        else:
            return
        await _write(state, tx)
        cid = state["consultation_id"]
        pos = await tx.get(POSITION, ALL, cid) or {"events": 0, "texts": {}}
        await tx.put(POSITION, ALL, cid, {**pos, "events": pos["events"] + 1})


async def _erase(tx: StoreTx, participant_id: str) -> None:
    for cid in await publication.erase_author(tx, AUTHORS, participant_id):
        state = await tx.get(STATE, ALL, cid)
        if state is not None:
            state["erased"] = True
            await _write(state, tx)


def _skeleton(d: dict[str, Any]) -> dict[str, Any]:
    return {**publication.new_state(d["contribution_id"]), "consultation_id": d["consultation_id"],
            "author_id": "", "day": "", "questionnaire_id": "", "proposal_text": "", "answers": [], "campaign": "",
            "docs": []}


def docs_of(state: dict[str, Any]) -> list[dict[str, Any]]:
    common = {"contribution_id": state["id"], "kind": state["kind"], "day": state["day"],
              "author_id": state["author_id"], "campaign": state["campaign"]}
    if state["kind"] == "proposal":
        return [{"id": state["id"], "text": state["proposal_text"], "proposal_id": state["id"],
                 "questionnaire_id": "", "question_id": "", **common}]
    # a state saved before 2026-12-08 does not know its questionnaire: its docs
    # say nothing rather than "" (a run scoped to a question then refuses them)
    form = {"questionnaire_id": state["questionnaire_id"]} if "questionnaire_id" in state else {}
    return [{"id": f"{state['id']}~{a['question_id']}", "text": a["text"], "proposal_id": "",
             "question_id": a["question_id"], **form, **common} for a in state["answers"]]


async def _write(state: dict[str, Any], tx: StoreTx) -> None:
    """Save the state and make the public docs match it (removed when not shown),
    the counts per scope moved by the docs added and removed."""
    cid = state["consultation_id"]
    wanted = {doc["id"]: doc for doc in docs_of(state)} if publication.shows(state) else {}
    moved: dict[str, int] = {}
    for old in state["docs"]:
        if old not in wanted:
            await tx.delete(CORPUS, cid, old)
            _move(moved, state, old, -1)
    for doc_id, doc in wanted.items():
        if doc_id not in state["docs"]:
            _move(moved, state, doc_id, +1)
        await tx.put(CORPUS, cid, doc_id, doc)
    state["docs"] = sorted(wanted)
    await tx.put(STATE, ALL, state["id"], state)
    if any(moved.values()):
        await _count(tx, cid, moved)


def _move(moved: dict[str, int], state: dict[str, Any], doc_id: str, by: int) -> None:
    question = doc_id.split("~", 1)[1] if "~" in doc_id else ""
    for key in texts_keys(state["kind"], question, state.get("questionnaire_id")):
        moved[key] = moved.get(key, 0) + by


async def _count(tx: StoreTx, cid: str, moved: dict[str, int]) -> None:
    """Move the consultation's counts, kept beside its position (read and written in
    each event's transaction already): a position without counts is from before
    them and keeps none (they would start from 0 under texts already there)."""
    pos = await tx.get(POSITION, ALL, cid) or {"events": 0, "texts": {}}
    if "texts" not in pos:
        return
    texts: dict[str, int] = pos["texts"]
    for key, by in moved.items():
        texts[key] = texts.get(key, 0) + by
        if texts[key] == 0:
            del texts[key]  # a scope emptied: no row of zeros piling up
    await tx.put(POSITION, ALL, cid, pos)


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)
