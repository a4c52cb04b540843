"""Questionnaires edited as plain text in the back office (works without
JavaScript, reads like the printed questionnaire):

    1. Avez-vous une voiture ? {unique} {obligatoire}
    - Oui
    - Non
    2. Si oui, combien de kilomètres par an ? {libre} {si 1 = Oui}

A question starts with its number; tags: {unique} | {multiple} | {libre} (the
kind, default unique when options follow, else libre), {obligatoire}, {autre}
(an "Autre" option with free text), {si N = Option[; Option]} or {si N} (shown
only when question N got one of those options, or any answer). Lines "- ..." are
the options of the question above. Errors name the line, in French.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from services.consultation.content_commands import ConditionSpec, OptionSpec, QuestionSpec
from services.web.forms import FormError

_QUESTION = re.compile(r"^(\d+)[.)]\s+(.*)$")
_TAG = re.compile(r"\{([^{}]*)\}")
_KINDS = {"unique": "single", "multiple": "multiple", "libre": "open"}


def parse(source: str, field: str = "questions") -> tuple[QuestionSpec, ...]:
    drafts: list[dict[str, Any]] = []
    for n, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-"):
            if not drafts:
                raise FormError(field, f"Ligne {n} : une option doit suivre une question.")
            drafts[-1]["options"].append(line[1:].strip())
            continue
        m = _QUESTION.match(line)
        if m is None:
            raise FormError(field, f"Ligne {n} : une question commence par son numéro "
                                   "(« 1. ») et une option par un tiret (« - »).")
        drafts.append({"number": m.group(1), "line": n, "tags": _TAG.findall(m.group(2)),
                       "text": _TAG.sub("", m.group(2)).strip(), "options": []})
    if not drafts:
        raise FormError(field, "Le questionnaire doit compter au moins une question.")
    by_number: dict[str, dict[str, Any]] = {}
    questions = []
    for d in drafts:
        if d["number"] in by_number:
            raise FormError(field, f"Ligne {d['line']} : le numéro {d['number']} est déjà pris.")
        by_number[d["number"]] = d
        questions.append(_question(d, by_number, field))
    return tuple(questions)


def _question(d: dict[str, Any], seen: dict[str, dict[str, Any]], field: str) -> QuestionSpec:
    qid = f"q{d['number']}"
    kind = "single" if d["options"] else "open"
    required = allow_other = False
    condition = None
    for tag in (t.strip() for t in d["tags"]):
        low = tag.lower()
        if low in _KINDS:
            kind = _KINDS[low]
        elif low == "obligatoire":
            required = True
        elif low == "autre":
            allow_other = True
        elif low.startswith("si "):
            condition = _condition(tag[3:], d["line"], seen, field)
        else:
            raise FormError(field, f"Ligne {d['line']} : étiquette inconnue {{{tag}}}.")
    options = tuple(OptionSpec(f"{qid}-o{i + 1}", label) for i, label in enumerate(d["options"]))
    return QuestionSpec(question_id=qid, kind=kind, text=d["text"], required=required,
                        options=options, allow_other=allow_other, condition=condition)


def _condition(expr: str, line: int, seen: dict[str, dict[str, Any]],
               field: str) -> ConditionSpec:
    number, _, labels = (part.strip() for part in expr.partition("="))
    parent = seen.get(number)
    if parent is None or parent["line"] == line:
        raise FormError(field, f"Ligne {line} : la condition doit viser une question "
                               "précédente (« {si 1 = Oui} »).")
    wanted = [w.strip() for w in labels.split(";") if w.strip()]
    option_ids = []
    for label in wanted:
        if label not in parent["options"]:
            raise FormError(field, f"Ligne {line} : la question {number} n'a pas d'option "
                                   f"« {label} ».")
        option_ids.append(f"q{number}-o{parent['options'].index(label) + 1}")
    return ConditionSpec(f"q{number}", tuple(option_ids))


def render(questions: Sequence[dict[str, Any]]) -> str:
    """The read model's questions back as text, for editing."""
    numbers = {q["question_id"]: str(i + 1) for i, q in enumerate(questions)}
    labels = {o["option_id"]: o["label"] for q in questions for o in q.get("options", [])}
    lines = []
    for q in questions:
        tags = [{"single": "{unique}", "multiple": "{multiple}", "open": "{libre}"}[q["kind"]]]
        if q.get("required"):
            tags.append("{obligatoire}")
        if q.get("allow_other"):
            tags.append("{autre}")
        cond = q.get("condition")
        if cond:
            parent = numbers.get(cond["question_id"], "?")
            wanted = "; ".join(labels.get(o, o) for o in cond.get("option_ids", []))
            tags.append(f"{{si {parent} = {wanted}}}" if wanted else f"{{si {parent}}}")
        lines.append(f"{numbers[q['question_id']]}. {q['text']} {' '.join(tags)}")
        lines.extend(f"- {o['label']}" for o in q.get("options", []))
    return "\n".join(lines)
