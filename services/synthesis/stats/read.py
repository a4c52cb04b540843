"""Figures of closed questions, read from the `synthesis.closed_stats` read
models: counts and percentages per option, overall and by identity level,
département and région. Percentages are of the respondents who answered the
question in the same group (multiple choices can sum above 100 %).

Two store reads per questionnaire (its definition, its counts), whatever the
number of responses: the counts are kept up to date by the projection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from services.consultation import queries as consultations
from services.consultation.queries import OTHER, OTHER_LABEL
from services.core.errors import NotFound
from services.store.port import Doc, ReadStore
from services.synthesis.stats.projection import COUNTS, OTHER_TEXTS, RESPONDENTS
from services.synthesis.themes.model import Contribution

DIMENSIONS = ("level", "departement", "region")
PAGE = 500


async def questionnaire_of(store: ReadStore, consultation_id: str,
                           questionnaire_id: str) -> tuple[Doc, Doc]:
    """(consultation, questionnaire), or NotFound (a 404, never a 500)."""
    consultation = await consultations.consultation(store, consultation_id)
    if consultation is None:
        raise NotFound("Consultation")
    questionnaire = await consultations.questionnaire(store, consultation_id, questionnaire_id)
    if questionnaire is None:
        raise NotFound("Questionnaire")
    return consultation, questionnaire


async def closed_question_stats(store: ReadStore, consultation_id: str,
                                questionnaire_id: str) -> dict[str, Any]:
    _, questionnaire = await questionnaire_of(store, consultation_id, questionnaire_id)
    counts = dict(await store.list(COUNTS, questionnaire_id, limit=PAGE))
    respondents = counts.get(RESPONDENTS, {}).get("answered") or _empty()
    return {
        "consultation_id": consultation_id, "questionnaire_id": questionnaire_id,
        "title": questionnaire.get("title", ""),
        "respondents": {"total": respondents["total"],
                        **{f"by_{d}": dict(sorted(respondents[d].items())) for d in DIMENSIONS}},
        "questions": [question_stats(q, counts.get(q["question_id"]))
                      for q in questionnaire["questions"] if q["kind"] != "open"],
    }


def question_stats(question: Doc, doc: Doc | None) -> dict[str, Any]:
    doc = doc or {"answered": _empty(), "options": {}}
    answered = doc["answered"]
    options = [(o["option_id"], o["label"]) for o in question["options"]]
    if question.get("allow_other"):
        options.append((OTHER, OTHER_LABEL))
    return {
        "question_id": question["question_id"], "text": question["text"],
        "kind": question["kind"], "answered": answered["total"],
        "options": [_option(oid, label, doc["options"].get(oid) or _empty(), answered)
                    for oid, label in options],
    }


def _option(option_id: str, label: str, split: Doc, answered: Doc) -> dict[str, Any]:
    return {
        "option_id": option_id, "label": label, "count": split["total"],
        "percent": percent(split["total"], answered["total"]),
        **{f"by_{d}": {value: {"count": n, "percent": percent(n, answered[d].get(value, 0))}
                       for value, n in sorted(split[d].items())} for d in DIMENSIONS},
    }


def percent(n: int, base: int) -> float:
    return round(100.0 * n / base, 1) if base else 0.0


def _empty() -> Doc:
    return {"total": 0, "level": {}, "departement": {}, "region": {}}


async def other_texts_page(store: ReadStore, questionnaire_id: str, question_id: str, *,
                           after: str | None = None, limit: int = PAGE) -> list[Contribution]:
    """Up to `limit` "Autre" free texts of a closed question's published answers
    (not masked, their author not erased), in the order the responses were sent
    (their ids are time-ordered), after the response `after`."""
    rows = await store.list(OTHER_TEXTS, f"{questionnaire_id}|{question_id}",
                            limit=limit, after=after)
    return [Contribution(contribution_id=cid, text=doc["text"],
                         day=date.fromisoformat(doc["submitted_at"][:10])) for cid, doc in rows]


async def other_texts(store: ReadStore, questionnaire_id: str,
                      question_id: str) -> AsyncIterator[Contribution]:
    """Every "Autre" free text of a closed question, page by page, as the
    open-text theme pipeline takes them (services/synthesis/themes)."""
    after: str | None = None
    while True:
        page = await other_texts_page(store, questionnaire_id, question_id, after=after)
        for contribution in page:
            yield contribution
        if len(page) < PAGE:
            return
        after = page[-1].contribution_id
