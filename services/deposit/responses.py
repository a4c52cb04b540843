"""A person's questionnaire responses in words, for the right of access (the
personal-data export) and « Mes contributions »: the questionnaire's title and
each answer beside its question's text, options by their labels.

A response's CONTRIBUTION document has no body: its answers are in
`deposit_responses` (partition: the questionnaire) and their wording in the
consultation's questionnaire; both are read in one round trip for a whole list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.consultation import queries as consultations
from services.deposit.projections import RESPONSES
from services.store.port import Doc, ReadStore


async def with_answers(store: ReadStore, docs: Sequence[Doc]) -> list[Doc]:
    """`docs` with, on each response, `questionnaire_title` and `answers`
    [{question_id, question, answer}] in the questionnaire's order."""
    responses = [d for d in docs if d["kind"] == "response"]
    if not responses:
        return list(docs)
    forms = sorted({(d["consultation_id"], d["questionnaire_id"]) for d in responses})
    found = await store.get_each(
        [(RESPONSES, d["questionnaire_id"], d["id"]) for d in responses]
        + [(consultations.QUESTIONNAIRES, cid, qid) for cid, qid in forms])
    recorded = {d["id"]: doc for d, doc in zip(responses, found[:len(responses)], strict=True)}
    definitions = dict(zip(forms, found[len(responses):], strict=True))
    out = []
    for d in docs:
        if d["kind"] == "response":
            qn = definitions.get((d["consultation_id"], d["questionnaire_id"])) or {}
            given = (recorded.get(d["id"]) or {}).get("answers", [])
            d = {**d, "questionnaire_title": qn.get("title", ""),
                 "answers": readable(qn.get("questions", []), given)}
        out.append(d)
    return out


def readable(questions: Sequence[Mapping[str, Any]],
             answers: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Each answer as {question_id, question, answer}: the question's text and
    the chosen options' labels (« Autre : <text> »), or the text written; in the
    questionnaire's order, an answer to a question no longer there last."""
    by_id = {a["question_id"]: a for a in answers}
    order = [q["question_id"] for q in questions if q["question_id"] in by_id]
    order += [qid for qid in by_id if qid not in order]
    texts = {q["question_id"]: q for q in questions}
    out = []
    for qid in order:
        q, a = texts.get(qid, {}), by_id[qid]
        labels = {o["option_id"]: o["label"] for o in q.get("options", [])}
        parts = [f"{consultations.OTHER_LABEL} : {a.get('other_text', '')}"
                 if o == consultations.OTHER else labels.get(o, o)
                 for o in a.get("option_ids", [])]
        if a.get("text"):
            parts.append(str(a["text"]))
        out.append({"question_id": qid, "question": str(q.get("text", qid)),
                    "answer": ", ".join(parts)})
    return out
