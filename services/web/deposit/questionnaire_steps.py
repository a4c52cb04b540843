"""Conditional questions without JavaScript: which questions to show, given the
choices the visitor already made (sent back by a GET "Continuer" button)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


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
