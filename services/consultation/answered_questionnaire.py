"""What may still change in a questionnaire that has answers (ADR 0137).

An answer names its question by id and a chosen option by id (« Autre » is the
option `autre`); what it means is that question's type and options. So, once a
questionnaire has answers, a new version keeps every question, its type and
every option, and adds only optional questions; an optional question does not
become required (answers recorded before may have left it empty, or never
shown it). Wording, order, conditions, help texts and length limits may change:
the answers keep their meaning.

Whether answers exist is the deposit service's to know: the sender says so
(`SaveQuestionnaire.answered`); the versions compared are the stream's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.consultation.questionnaire import KINDS, OTHER, OTHER_LABEL
from services.core.errors import DomainError

ANSWERED = "Ce questionnaire a déjà reçu des réponses : "
QUOTED_MAX = 80  # characters of a question's text quoted in a message


def keep_answers_meaning(saved: Sequence[Mapping[str, Any]],
                         new: Sequence[Mapping[str, Any]]) -> None:
    """Refuse the first change of `new` (the questions as event data) from `saved`
    that would change what recorded answers mean: a DomainError naming
    `questions.<i>` (the new version's i-th question), or `questions` for a
    question removed."""
    kept = {q["question_id"]: (i, q) for i, q in enumerate(new)}
    for number, before in enumerate(saved, start=1):
        found = kept.get(before["question_id"])
        if found is None:
            raise _refused("answered_question_removed", "questions",
                           f"la question {number} enregistrée, {_quote(before['text'])}, ne "
                           "peut plus être retirée : ses réponses disparaîtraient des "
                           "résultats et des données ouvertes.")
        i, after = found
        _same_meaning(before, after, f"questions.{i}")
    for i, q in enumerate(new):
        if q["required"] and all(b["question_id"] != q["question_id"] for b in saved):
            raise _refused("answered_new_required", f"questions.{i}",
                           f"la nouvelle question {_quote(q['text'])} ne peut être que "
                           "facultative : les réponses déjà reçues n'y répondent pas.")


def _same_meaning(before: Mapping[str, Any], after: Mapping[str, Any], at: str) -> None:
    quoted = _quote(before["text"])
    if after["kind"] != before["kind"]:
        raise _refused("answered_kind_changed", f"{at}.kind",
                       f"le type de {quoted} ({KINDS[before['kind']]}) ne peut plus changer : "
                       "ses réponses ont été données ainsi.")
    options = {o["option_id"] for o in _options(after)}
    for o in _options(before):
        if o["option_id"] not in options:
            fix = "" if o["option_id"] == OTHER else " (corriger son libellé reste possible)"
            raise _refused("answered_option_removed", f"{at}.options",
                           f"l'option « {o['label']} » de {quoted} ne peut plus être "
                           f"retirée : des réponses ont pu la choisir{fix}.")
    if after["required"] and not before.get("required"):
        raise _refused("answered_now_required", f"{at}.required",
                       f"{quoted} ne peut plus devenir obligatoire : des réponses déjà "
                       "reçues ont pu la laisser vide.")


def _options(question: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The question's options, « Autre » included when it offers it."""
    other = [{"option_id": OTHER, "label": OTHER_LABEL}] if question.get("allow_other") else []
    return [*question.get("options", ()), *other]


def _quote(text: str) -> str:
    short = text if len(text) <= QUOTED_MAX else text[:QUOTED_MAX - 1].rstrip() + "…"
    return f"« {short} »"


def _refused(code: str, field: str, message: str) -> DomainError:
    return DomainError(code, ANSWERED + message, field=field)
