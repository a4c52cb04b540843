# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""Closed-question statistics: a projection of deposit, moderation and identity events
(projection `synthesis.closed_stats`, ADR 0025).

| table | partition | key | doc |
|---|---|---|---|
| synthesis_response_state | "all" | contribution_id | STATE: the response, its moderation and whether it `counts` |
| synthesis_responses | questionnaire_id | contribution_id | ROW: a published response (what the open-data export streams) |
| synthesis_closed_stats | questionnaire_id | question_id, or "_" | COUNTS: {answered: SPLIT, options: {option_id: SPLIT}} ("_": respondents) |
| synthesis_other_texts | "<questionnaire>\\|<question>" | contribution_id | {contribution_id, text, submitted_at}: "Autre" texts of published responses |
| synthesis_response_authors | "all" | participant_id | {erased, contributions}: for an erasure to reach the author's responses |

SPLIT = {total, level: {level: n}, departement: {code: n}, region: {code: n}}.

A response counts when it is published: submitted, not withdrawn, and approved
(or post-moderated and not hidden or rejected), the rule of the public pages. Any
event may arrive before the submission (the state waits for it); the projection
guard skips redeliveries; every change moves the counts by the difference between
what the response contributed before and after, so any delivery order ends in the
same figures. Deltas are summed in memory during a batch and written once per
touched document in `end_batch` (same transaction), so a batch of 500 responses
costs one read-modify-write per question, not 500.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from services.core.envelope import Envelope
from services.core.values import iso
from services.moderation import publication
from services.store.port import StoreTx, Where
from services.store.projection import Projection
from services.territory.geography import REGION_OF_DEPARTEMENT

STATE = "synthesis_response_state"
ROWS = "synthesis_responses"
COUNTS = "synthesis_closed_stats"
OTHER_TEXTS = "synthesis_other_texts"
AUTHORS = "synthesis_response_authors"
ALL = "all"
RESPONDENTS = "_"  # the COUNTS key of the questionnaire's respondent totals
UNKNOWN = "inconnu"  # level or territory not recorded (older events, no postcode)
WATCHED = frozenset({"deposit.ResponseSubmitted", "deposit.ContributionWithdrawn",
                     "moderation.DecisionMade", "moderation.AppealDecided",
                     "moderation.PersonalDataMasked", publication.ERASED})

# (questionnaire, question or RESPONDENTS, option or "", level, département) -> +/- n
Delta = dict[tuple[str, str, str, str, str], int]


class ClosedStatsProjection(Projection):
    name = "synthesis.closed_stats"
    replay_cost = 0.3  # 6.5 µs an event read (bench/replay.py, 2026-12-06)
    topics = ("deposit.events", "moderation.events", "identity.events")
    tables = (STATE, ROWS, COUNTS, OTHER_TEXTS, AUTHORS)
    ignores = publication.QUEUE_ONLY | {publication.SUBMISSION_KEY} | (
        publication.SUBMITTED.keys() - WATCHED)

    def __init__(self) -> None:
        self._delta: Delta = defaultdict(int)

    def begin_batch(self) -> None:  # a new batch, or a retry after a failed one
        self._delta = defaultdict(int)

    def reads(self, events: Sequence[Envelope]) -> list[Where]:
        return publication.contribution_reads(
            [e for e in events if e.type in WATCHED], STATE, AUTHORS,
            ("deposit.ResponseSubmitted",))

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if event.type not in WATCHED:
            return
        if event.type == publication.ERASED:
            await _erase(tx, event.data["participant_id"])
            return
        state = await tx.get(STATE, ALL, event.data["contribution_id"]) or _new_state(event)
        before = publication.published(state)
        if not merge(state, event):
            return
        if event.type == "deposit.ResponseSubmitted":
            author = await publication.remember_author(tx, AUTHORS, state["author_id"],
                                                      state["id"])
            state["erased"] = bool(author["erased"])
        after = publication.published(state)
        await tx.put(STATE, ALL, state["id"], state)
        if state["kind"] is None:
            return
        if before:
            self._add(state, -1)
        if after:
            self._add(state, +1)
        await _row(tx, state, after)

    async def end_batch(self, tx: StoreTx) -> None:
        if not self._delta:
            return
        touched: dict[tuple[str, str], list[tuple[str, str, str, int]]] = defaultdict(list)
        for (qn, key, option, level, dep), n in self._delta.items():
            if n:
                touched[(qn, key)].append((option, level, dep, n))
        for (qn, key), changes in sorted(touched.items()):
            doc = await tx.get(COUNTS, qn, key) or {"answered": _split(), "options": {}}
            for option, level, dep, n in changes:
                split = doc["options"].setdefault(option, _split()) if option else doc["answered"]
                _bump(split, level, dep, n)
            await tx.put(COUNTS, qn, key, doc)
        self._delta = defaultdict(int)

    def _add(self, state: dict[str, Any], sign: int) -> None:
        """Count the response in (or out): one delta per (question, option) and
        (level, département); end_batch spreads it over the four splits."""
        qn, level, dep = state["questionnaire_id"], state["identity_level"], state["territory"]
        delta = self._delta
        delta[(qn, RESPONDENTS, "", level, dep)] += sign
        for answer in state["answers"]:
            options = answer["option_ids"]
            if not options:
                continue  # an open question: its text goes to the theme pipeline
            qid = answer["question_id"]
            delta[(qn, qid, "", level, dep)] += sign
            for option in options:
                delta[(qn, qid, option, level, dep)] += sign


def merge(state: dict[str, Any], event: Envelope) -> bool:
    """Fold one event into the response's state; False when it changes nothing."""
    if not publication.evolve(state, event):
        return False
    d, t, at = event.data, event.type, iso(event.occurred_at)
    if t == "deposit.ResponseSubmitted":
        state.update(kind="response", consultation_id=d["consultation_id"],
                     questionnaire_id=d["questionnaire_id"], author_id=d["author_id"],
                     answers=d["answers"], identity_level=d.get("identity_level") or UNKNOWN,
                     territory=d.get("territory") or "", submitted_at=at)
        state["published_at"] = state["published_at"] or (
            at if d["moderation"] == "post" else None)
    elif t == "moderation.DecisionMade":
        state["updated_at"] = at
        if d["decision"] == "approved" and not state["published_at"]:
            state["published_at"] = at
    elif t == "moderation.AppealDecided":  # overturned: upheld ones change nothing
        state["updated_at"] = at
        state["published_at"] = state["published_at"] or at
    elif t == "moderation.PersonalDataMasked":  # free texts are no longer shown nor exported
        state["updated_at"] = at
    return True


async def _row(tx: StoreTx, state: dict[str, Any], shown: bool) -> None:
    """The export's row and the "Autre" texts follow the published state. Free texts
    leave with a moderator's masking or the author's erasure (as in the search index
    and the theme runs); closed answers keep counting, as an anonymous person's."""
    qn, cid = state["questionnaire_id"], state["id"]
    no_texts = state["masked"] or state.get("erased", False)
    if not shown:
        await tx.delete(ROWS, qn, cid)
    else:
        await tx.put(ROWS, qn, cid, {
            **{k: state[k] for k in (
                "id", "consultation_id", "questionnaire_id", "author_id", "answers",
                "identity_level", "territory", "submitted_at", "published_at",
                "updated_at")}, "masked": no_texts})
    for answer in state["answers"]:
        if answer.get("other_text"):
            partition = f"{qn}|{answer['question_id']}"
            if shown and not no_texts:
                await tx.put(OTHER_TEXTS, partition, cid, {
                    "contribution_id": cid, "text": answer["other_text"],
                    "submitted_at": state["submitted_at"]})
            else:
                await tx.delete(OTHER_TEXTS, partition, cid)


async def _erase(tx: StoreTx, participant_id: str) -> None:
    for cid in await publication.erase_author(tx, AUTHORS, participant_id):
        state = await tx.get(STATE, ALL, cid)
        if state is not None and state["kind"] is not None:
            state["erased"] = True
            await tx.put(STATE, ALL, cid, state)
            await _row(tx, state, publication.published(state))


def _split() -> dict[str, Any]:
    return {"total": 0, "level": {}, "departement": {}, "region": {}}


def _bump(split: dict[str, Any], level: str, dep: str, n: int) -> None:
    region = REGION_OF_DEPARTEMENT.get(dep, "")
    split["total"] += n
    for dim, value in (("level", level), ("departement", dep if region else UNKNOWN),
                       ("region", region or UNKNOWN)):
        counts = split[dim]
        counts[value] = counts.get(value, 0) + n
        if not counts[value]:
            del counts[value]


def _new_state(event: Envelope) -> dict[str, Any]:
    return {**publication.new_state(event.data["contribution_id"]), "consultation_id": "",
            "questionnaire_id": "", "author_id": "", "answers": [],
            "identity_level": UNKNOWN, "territory": "", "submitted_at": "",
            "published_at": None, "updated_at": None}

