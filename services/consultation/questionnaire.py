"""Questionnaires: closed questions (single or multiple choice, organiser-defined
options, optional "Autre" with free text), open questions, required or optional,
length limits, conditional follow-ups ("Si oui, ...").

Two pure functions:
- `validate_questionnaire(cmd)` checks a definition and returns its event data;
- `validate_answers(questions, answers)` checks a participant's answers against a
  definition (the `questions` list of the read model or the event). Deposit code
  calls it before accepting answers.

Answers are a mapping question_id -> Answer: for closed questions `option_ids`
(one for single choice) and, when "Autre" is chosen (`OTHER`), `other_text`; for
open questions `text`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.consultation.content_commands import QuestionSpec, SaveQuestionnaire
from services.core.errors import DomainError, Refusals
from services.core.values import ident, text

OTHER = "autre"  # the option id of "Autre" when a closed question allows it
OTHER_LABEL = "Autre"
KINDS = {"single": "choix unique", "multiple": "choix multiples", "open": "question ouverte"}
MAX_QUESTIONS = 200
MAX_OPTIONS = 50
MAX_LENGTH_CEILING = 10_000


@dataclass(frozen=True, slots=True)
class Answer:
    option_ids: tuple[str, ...] = ()
    other_text: str = ""
    text: str = ""


def questionnaire_title(value: str) -> str:
    return text(value, "title", label="Le titre", max_len=200, min_len=3)


def questionnaire_description(value: str) -> str:
    return text(value, "description", label="La description", max_len=5000)


def validate_questionnaire(cmd: SaveQuestionnaire) -> dict[str, Any]:
    """The questionnaire as event data, or a DomainError naming `questions.<i>.<field>`.
    A condition must point to an earlier closed question (or any earlier question
    when it asks for "any answer") and to options it has."""
    ident(cmd.questionnaire_id, "questionnaire_id")
    seen: dict[str, dict[str, Any]] = {}
    with Refusals() as refused:  # in the editor's order, every question (ADR 0144)
        title = refused.check(questionnaire_title, cmd.title)
        description = refused.check(questionnaire_description, cmd.description)
        if not cmd.questions:
            refused.add(DomainError("no_question",
                                    "Le questionnaire doit compter au moins une question.",
                                    field="questions"))
        elif len(cmd.questions) > MAX_QUESTIONS:
            refused.add(DomainError("too_many_questions", f"Au plus {MAX_QUESTIONS} questions.",
                                    field="questions"))
        else:
            _questions(cmd.questions, seen, refused)
    assert title is not None and description is not None
    return {
        "questionnaire_id": cmd.questionnaire_id,
        "consultation_id": cmd.consultation_id,
        "title": title,
        "description": description,
        "theme_id": cmd.theme_id, "position": max(0, cmd.position),
        "questions": list(seen.values()),
    }


def _questions(questions: Sequence[QuestionSpec], seen: dict[str, dict[str, Any]],
               refused: Refusals) -> None:
    """Each question checked into `seen`, its refusals gathered. A question refused
    still takes its id (a second one with it is a duplicate, as of one accepted); a
    condition on a refused question is not checked (its target's refusal is said
    already)."""
    failed: set[str] = set()
    for i, q in enumerate(questions):
        at = f"questions.{i}"
        if q.question_id in failed or q.question_id in seen:
            refused.add(DomainError("duplicate_question",
                                    "Deux questions portent le même identifiant.",
                                    field=f"{at}.question_id"))
            continue
        if q.condition is not None and q.condition.question_id in failed:
            q = replace(q, condition=None)
        doc = refused.check(_question, q, at, seen)
        if doc is None:
            failed.add(q.question_id)
        else:
            seen[doc["question_id"]] = doc


def _question(q: QuestionSpec, at: str, earlier: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    ident(q.question_id, f"{at}.question_id")
    with Refusals() as refused:  # a question's own refusals together (ADR 0144)
        if q.kind not in KINDS:
            refused.add(DomainError("invalid_kind", "Type de question inconnu.",
                                    field=f"{at}.kind"))
        if not 1 <= q.max_length <= MAX_LENGTH_CEILING:
            refused.add(DomainError(
                "invalid_max_length",
                f"La longueur maximale doit être entre 1 et {MAX_LENGTH_CEILING}.",
                field=f"{at}.max_length"))
        options = refused.check(_options, q, at) if q.kind in KINDS else []
        condition = refused.check(_condition, q, at, earlier)
        question_text = refused.check(text, q.text, f"{at}.text", label="L'intitulé",
                                      max_len=1000, min_len=1)
        help_text = refused.check(text, q.help_text, f"{at}.help_text", label="L'aide",
                                  max_len=1000)
    return {
        "question_id": q.question_id, "kind": q.kind,
        "text": question_text,
        "help_text": help_text,
        "required": q.required, "options": options,
        "allow_other": q.allow_other and q.kind != "open", "max_length": q.max_length,
        "condition": condition, "source_id": q.source_id,
    }


def _options(q: QuestionSpec, at: str) -> list[dict[str, str]]:
    """A closed question's options, each one's refusals gathered; their ids are
    compared once each is valid."""
    if q.kind == "open":
        if q.options or q.allow_other:
            raise DomainError("options_on_open", "Une question ouverte n'a pas d'options.",
                              field=f"{at}.options")
        return []
    if not q.options:
        raise DomainError("no_option", "Une question fermée doit proposer des options.",
                          field=f"{at}.options")
    if len(q.options) > MAX_OPTIONS:
        raise DomainError("too_many_options", f"Au plus {MAX_OPTIONS} options.",
                          field=f"{at}.options")
    options = []
    with Refusals() as refused:
        for j, o in enumerate(q.options):
            if refused.check(ident, o.option_id, f"{at}.options.{j}.option_id") is None:
                continue
            if o.option_id == OTHER:
                refused.add(DomainError("reserved_option", "« autre » est réservé à l'option "
                                        "Autre : cochez « Autre » plutôt.",
                                        field=f"{at}.options.{j}"))
                continue
            label = refused.check(text, o.label, f"{at}.options.{j}.label", label="Le libellé",
                                  max_len=200, min_len=1)
            options.append({"option_id": o.option_id, "label": label or ""})
        if not refused.failed() and len({o["option_id"] for o in options}) != len(options):
            refused.add(DomainError("duplicate_option",
                                    "Deux options portent le même identifiant.",
                                    field=f"{at}.options"))
    return options


def _condition(q: QuestionSpec, at: str,
               earlier: Mapping[str, dict[str, Any]]) -> dict[str, Any] | None:
    if q.condition is None:
        return None
    target = earlier.get(q.condition.question_id)
    if target is None:
        raise DomainError("invalid_condition",
                          "Une question ne peut dépendre que d'une question précédente.",
                          field=f"{at}.condition")
    known = {o["option_id"] for o in target["options"]} | (
        {OTHER} if target["allow_other"] else set())
    if not set(q.condition.option_ids) <= known:
        raise DomainError("invalid_condition",
                          "La condition désigne une réponse que la question ne propose pas.",
                          field=f"{at}.condition")
    return {"question_id": q.condition.question_id,
            "option_ids": list(q.condition.option_ids)}


def is_shown(question: Mapping[str, Any], answers: Mapping[str, Answer]) -> bool:
    """Whether a question applies given the answers so far (its condition holds)."""
    condition = question["condition"]
    if condition is None:
        return True
    given = answers.get(condition["question_id"])
    if given is None or not (given.option_ids or given.text.strip()):
        return False
    wanted = condition["option_ids"]
    return not wanted or bool(set(wanted) & set(given.option_ids))


def validate_answers(questions: Sequence[Mapping[str, Any]],
                     answers: Mapping[str, Answer]) -> None:
    """Refuse (DomainError naming `answers.<question_id>`) unknown questions or
    options, answers to questions whose condition is not met, missing required
    answers and over-long text. Conditions chain: a hidden question hides its
    follow-ups too (its answers are refused, so they never count)."""
    by_id = {q["question_id"]: q for q in questions}
    with Refusals() as refused:  # every refused answer, in the questions' order (ADR 0144)
        for qid in answers:
            if qid not in by_id:
                refused.add(DomainError("unknown_question", "Cette question n'existe pas.",
                                        field=f"answers.{qid}"))
        for q in questions:
            qid, at = q["question_id"], f"answers.{q['question_id']}"
            given = answers.get(qid)
            if not is_shown(q, answers):
                if given is not None:
                    refused.add(DomainError(
                        "question_not_shown",
                        "Cette question ne s'applique pas à vos réponses précédentes.", field=at))
                continue
            if given is None or not (given.option_ids or given.text.strip()):
                if q["required"]:
                    refused.add(DomainError("answer_required", "Cette question est obligatoire.",
                                            field=at))
                continue
            refused.check(_check_answer, q, given, at)


def _check_answer(q: Mapping[str, Any], given: Answer, at: str) -> None:
    limit = q["max_length"]
    if q["kind"] == "open":
        if given.option_ids:
            raise DomainError("invalid_answer", "Cette question attend un texte.", field=at)
        if len(given.text.strip()) > limit:
            raise DomainError("answer_too_long",
                              f"La réponse ne peut dépasser {limit} caractères.", field=at)
        return
    allowed = {o["option_id"] for o in q["options"]} | ({OTHER} if q["allow_other"] else set())
    if given.text or not set(given.option_ids) <= allowed:
        raise DomainError("unknown_option", "Cette réponse ne fait pas partie des choix.",
                          field=at)
    if len(set(given.option_ids)) != len(given.option_ids) or (
            q["kind"] == "single" and len(given.option_ids) > 1):
        raise DomainError("too_many_choices", "Un seul choix est possible.", field=at)
    if OTHER in given.option_ids:
        if not given.other_text.strip():
            raise DomainError("other_text_required", "Précisez votre réponse « Autre ».",
                              field=at)
        if len(given.other_text.strip()) > limit:
            raise DomainError("answer_too_long",
                              f"La réponse ne peut dépasser {limit} caractères.", field=at)
    elif given.other_text:
        raise DomainError("other_text_without_other",
                          "Un texte « Autre » n'est possible qu'en choisissant « Autre ».",
                          field=at)
