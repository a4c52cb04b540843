"""The questionnaire form, both ways: posted fields into the deposit service's
`Answer`s, and the questions to show for the answers so far (conditional
follow-ups appear step by step, without JavaScript).

Field names: `<question_id>` (chosen option ids, or the text of an open
question), `<question_id>__autre` (the "Autre" text). Any other posted name
that is not one of the form's own fields is passed on as an answer to an
unknown question, so the domain refuses it rather than the web layer dropping it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.datastructures import FormData

from services.consultation.questionnaire import OTHER, Answer
from services.web.questionnaire_steps import SHOWN_FIELD, visible_questions

OTHER_SUFFIX = "__autre"
OWN_FIELDS = {"csrf_token", "cle", "etape", SHOWN_FIELD}


def raw_answers(form: FormData) -> dict[str, list[str]]:
    """Every answer field as posted (lists of strings), own fields left out."""
    out: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if name in OWN_FIELDS or not isinstance(value, str):
            continue
        out.setdefault(name, []).append(value)
    return out


def to_answers(questions: Sequence[Mapping[str, Any]],
               raw: Mapping[str, Sequence[str]]) -> dict[str, Answer]:
    """Only what the participant actually gave: an empty field is no answer."""
    by_id = {q["question_id"]: q for q in questions}
    answers: dict[str, Answer] = {}
    for name, values in raw.items():
        qid = name.removesuffix(OTHER_SUFFIX)
        q = by_id.get(qid)
        if q is None:
            if any(v.strip() for v in values):
                answers[qid] = Answer(text=" ".join(values))
            continue
        if name != qid:
            continue  # the "Autre" text: read with its question below
        given = [v for v in values if v.strip()]
        other = " ".join(raw.get(qid + OTHER_SUFFIX, [])).strip()
        if q["kind"] == "open":
            if given:
                answers[qid] = Answer(text="\n".join(given))
        elif given or other:
            answers[qid] = Answer(option_ids=tuple(given), other_text=other)
    for q in questions:  # an "Autre" text typed with no option chosen
        qid = q["question_id"]
        other = " ".join(raw.get(qid + OTHER_SUFFIX, [])).strip()
        if qid not in answers and other:
            # Typing the "Autre" text is choosing "Autre", where the question offers it.
            chosen = (OTHER,) if q.get("allow_other") else ()
            answers[qid] = Answer(option_ids=chosen, other_text=other)
    return answers


def shown(questions: Sequence[Mapping[str, Any]], raw: Mapping[str, Sequence[str]],
          error_fields: Sequence[str] = ()) -> tuple[list[Mapping[str, Any]], bool]:
    """The questions to display and whether no follow-up can still appear. A
    question named by an error (each of them, ADR 0144) stays displayed, so the
    message sits next to it."""
    visible, complete = visible_questions(questions, raw)
    named = {f.removeprefix("answers.") for f in error_fields}
    ids = {q["question_id"] for q in visible}
    if named - ids:
        visible = [q for q in questions if q["question_id"] in ids | named]
    return visible, complete
