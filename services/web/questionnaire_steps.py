"""Conditional questions without JavaScript: which questions to show, given the
choices the visitor already made (sent back by a GET "Continuer" button), and
which of them the step has just revealed (the page sends back the ids of the
questions it showed, `SHOWN_FIELD`: no question id can start with "_")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request

SHOWN_FIELD = "_affichees"  # the hidden field: the ids of the questions a page shows


def _shown(question: Mapping[str, Any], answers: Mapping[str, Sequence[str]],
           visible: set[str]) -> bool:
    condition = question.get("condition")
    if not condition:
        return True
    parent = condition["question_id"]
    if parent not in visible:
        return False  # a follow-up of a hidden question is hidden too
    given = [a for a in answers.get(parent, ()) if a]
    wanted = condition.get("option_ids") or []
    return bool(given) and (not wanted or any(a in wanted for a in given))


def shown_ids(questions: Sequence[Mapping[str, Any]]) -> str:
    """The value of the page's `SHOWN_FIELD`: the ids of the questions it shows."""
    return " ".join(q["question_id"] for q in questions)


def new_questions(questions: Sequence[Mapping[str, Any]],
                  before: Sequence[str]) -> list[Mapping[str, Any]]:
    """The questions displayed now that the page sending the step did not show
    (`before`: its `SHOWN_FIELD` values; none on a first display: nothing is new)."""
    if not before:
        return []
    seen = set(" ".join(before).split())
    return [q for q in questions if q["question_id"] not in seen]


def visible_questions(questions: Sequence[Mapping[str, Any]],
                      answers: Mapping[str, Sequence[str]]) -> tuple[list[Mapping[str, Any]], bool]:
    """The questions to display (in order) and whether the form is complete, i.e.
    no follow-up could still appear from a question not answered yet."""
    visible: set[str] = set()
    shown: list[Mapping[str, Any]] = []
    pending = False
    for q in questions:
        if _shown(q, answers, visible):
            visible.add(q["question_id"])
            shown.append(q)
        elif q.get("condition") and q["condition"]["question_id"] in visible \
                and not any(answers.get(q["condition"]["question_id"], ())):
            pending = True  # its parent is shown but not answered yet
    return shown, not pending


def questionnaire_step(questionnaire: Mapping[str, Any], consultation: Mapping[str, Any],
                       request: Request) -> dict[str, Any]:
    """What a questionnaire's page shows at this step. Conditional questions without
    JavaScript: the visitor's earlier choices come back in the query string (GET,
    changes nothing) and decide which follow-ups are shown."""
    answers = {k: request.query_params.getlist(k) for k in request.query_params}
    questions, complete = visible_questions(questionnaire["questions"], answers)
    return {"questions": questions, "step_complete": complete, "answers": answers,
            "new": new_questions(questions, answers.get(SHOWN_FIELD, [])),
            "shown": shown_ids(questions), "answering": answering(consultation)}


def answering(consultation: Mapping[str, Any]) -> dict[str, Any]:
    """Where answering stands in the consultation's calendar (its phases with
    their status): "open" now, "upcoming" (with the phase that opens it), "closed"
    for good, or "none" (no phase opens it): what the questionnaire's page says
    beside its questions."""
    phases = [p for p in consultation.get("phases") or [] if "answer" in (p.get("actions") or ())]
    for state in ("open", "upcoming"):
        phase = next((p for p in phases if p["status"] == state), None)
        if phase is not None:
            return {"state": state, "phase": phase}
    return {"state": "closed" if phases else "none", "phase": None}
