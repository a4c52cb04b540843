"""Questionnaire responses in the demo's Grand Débat consultation, so its statistics
pages, open data and synthesis have something to show: 80 respondents at the
e-mail level (the consultation asks for it), from a few départements, each
answering one to three of the four official questionnaires during the past part of
the questionnaire phase. Closed questions get an answer drawn with weights per
question (so the charts are not flat), follow-ups ("Si oui, ...") only when their
condition holds, a few open questions a sentence from `demo_texts.OPEN_ANSWERS`,
each used once (the same text twice would be flagged as a copy-paste campaign), and
a few closed questions « Autre » with a text from `demo_texts.OTHER_ANSWERS`.
Through the deposit handler, validated like any response (demo_participation.py
says how past steps run)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from services.consultation.demo import GRAND_DEBAT_ID
from services.consultation.questionnaire import OTHER, Answer, is_shown
from services.core.errors import NotFound
from services.core.participants import ParticipantContext
from services.core.values import parse_iso
from services.deposit.commands import SubmitResponse
from services.deposit.model import response_stream
from services.runtime.demo_steps import DemoSteps
from services.runtime.demo_texts import OPEN_ANSWERS, OTHER_ANSWERS, RESPONDENT_TERRITORIES

_IDS = uuid.UUID("6f1c2b9e-0d7a-4c5e-9b3f-2a8e5d41c7b0")  # response ids: uuid5 of the stream
RESPONDENTS = 80
PHASE = "questionnaires"
OPEN_SHARE = 0.7  # of the open questions with demo texts, how many a respondent fills
OTHER_SHARE = 0.15  # of the closed questions with « Autre » texts, how often it is chosen


def respondent(n: int) -> ParticipantContext:
    territory = RESPONDENT_TERRITORIES[n % len(RESPONDENT_TERRITORIES)]
    return ParticipantContext(f"demo-gd-{n + 1:03d}", "email", territory=territory)


async def seed_responses(run: DemoSteps) -> int:
    phases = await run.eventually(lambda: run.phases(GRAND_DEBAT_ID))
    start = parse_iso(phases[PHASE]["starts_at"])
    now = run.container.clock.now()
    questionnaires = await run.eventually(lambda: _questionnaires(run))
    rng = random.Random(1930)  # the same demo every time
    weights = {q["question_id"]: _weights(rng, len(q["options"]))
               for qn in questionnaires for q in qn["questions"] if q["options"]}
    texts = {qid: rng.sample(pool, len(pool)) for qid, pool in OPEN_ANSWERS.items()}
    # « Autre » drawn apart: the other answers stay those of the demo before it
    others = _Others(random.Random(1931))
    written = 0
    for n in range(RESPONDENTS):
        who = respondent(n)
        # Respondents spread over the days since the phase opened.
        at = min(start + (now - start) * (n + 0.5) / RESPONDENTS, now)
        for qn in rng.sample(questionnaires, rng.randint(1, 3)):
            answers = _answers(rng, qn["questions"], weights, texts, others)
            written += await _respond(run, qn["questionnaire_id"], who, answers, at)
            at += timedelta(minutes=rng.randint(5, 40))
    return written


async def _questionnaires(run: DemoSteps) -> list[dict[str, Any]]:
    rows = await run.container.store.list("questionnaires", GRAND_DEBAT_ID, limit=50)
    if len(rows) < 4:
        raise NotFound("Questionnaires")
    return [doc for _, doc in sorted(rows)]


def _weights(rng: random.Random, options: int) -> list[float]:
    """A lopsided distribution: some options clearly ahead, as in real answers."""
    return [rng.random() ** 2 + 0.05 for _ in range(options)]


class _Others:
    """« Autre » and its text for some closed questions offering it, each text once."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.texts = {qid: rng.sample(pool, len(pool)) for qid, pool in OTHER_ANSWERS.items()}

    def text(self, question: dict[str, Any]) -> str | None:
        left = self.texts.get(question["question_id"])
        if not left or not question.get("allow_other"):
            return None
        return left.pop() if self.rng.random() < OTHER_SHARE else None


def _answers(rng: random.Random, questions: list[dict[str, Any]],
             weights: Mapping[str, list[float]],
             texts: dict[str, list[str]], others: _Others) -> dict[str, Answer]:
    """One response's answers; open ones are taken (removed) from `texts`, the
    « Autre » ones from `others`."""
    answers: dict[str, Answer] = {}
    for q in questions:  # in order: a follow-up's condition refers to an earlier question
        if not is_shown(q, answers):
            continue
        if q["kind"] == "open":
            left = texts.get(q["question_id"])
            if left and rng.random() < OPEN_SHARE:
                answers[q["question_id"]] = Answer(text=left.pop())
            continue
        # The options never hold « Autre » (a wording may not take its id): it is
        # the `allow_other` flag, chosen below with a text.
        picked = rng.choices([o["option_id"] for o in q["options"]], weights[q["question_id"]],
                             k=1 if q["kind"] == "single" else rng.randint(1, 3))
        other = others.text(q)
        if other is not None:
            picked = [OTHER] if q["kind"] == "single" else [*picked, OTHER]
        answers[q["question_id"]] = Answer(option_ids=tuple(dict.fromkeys(picked)),
                                           other_text=other or "")
    return answers


async def _respond(run: DemoSteps, questionnaire_id: str, who: ParticipantContext,
                   answers: dict[str, Answer], at: datetime) -> int:
    stream = response_stream(questionnaire_id, who.participant_id)
    if await run.container.log.stream_version(stream):
        return 0
    cid = str(uuid.uuid5(_IDS, stream))
    await run.eventually(lambda: run.handle(
        SubmitResponse(cid, GRAND_DEBAT_ID, questionnaire_id, who, answers), at))
    return 1
