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

Ids are stable, never the displayed number: a saved questionnaire is rendered
back with a {réf <id>} tag on each question and each option, so moving,
renumbering or rewording them keeps their ids (answers point to them, ADR 0137).
An option without its tag keeps its id while its label is unchanged. New
questions get fresh ids (q1..qN on a first save, a random suffix afterwards so
that an id once removed is not handed to another question); so do new options.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Sequence
from typing import Any

from services.consultation.content_commands import ConditionSpec, OptionSpec, QuestionSpec
from services.web.forms import FormError, raise_unreadable, read_field

_QUESTION = re.compile(r"^(\d+)[.)]\s+(.*)$")
_TAG = re.compile(r"\{([^{}]*)\}")
_KINDS = {"unique": "single", "multiple": "multiple", "libre": "open"}
_REF = re.compile(r"^réf\s+(\S+)$", re.IGNORECASE)
_OPTION_REF = re.compile(r"\{\s*réf\s+([^{}\s]+)\s*\}", re.IGNORECASE)


def parse(source: str, field: str = "questions",
          previous: Sequence[dict[str, Any]] = ()) -> tuple[QuestionSpec, ...]:
    """`previous`: the questions of the saved version (read model), whose ids
    {réf} tags may name."""
    drafts = _drafts(source, field)
    before = {q["question_id"]: q for q in previous}
    by_number: dict[str, dict[str, Any]] = {}
    claimed: dict[str, int] = {}
    found: list[FormError] = []  # every bad line, in the text's order (ADR 0144)
    for d in drafts:
        if d["number"] in by_number:
            found.append(FormError(field, f"Ligne {d['line']} : le numéro {d['number']} est "
                                          "déjà pris."))
            continue
        by_number[d["number"]] = d
        if d["ref"] is not None:
            read_field(found, _claim, d["ref"], d["line"], before, claimed, field,
                       "aucune question enregistrée n'a la", "une nouvelle question")
    for d in drafts:
        d["id"] = d["ref"] or (f"q{d['number']}" if not before else _fresh("q", set(before)))
        d["option_ids"] = read_field(found, _option_ids, d, before.get(d["ref"] or ""),
                                     field) or [f"{d['id']}-o{i + 1}"
                                                for i in range(len(d["options"]))]
    questions = tuple(read_field(found, _question, d, by_number, field) for d in drafts)
    raise_unreadable(sorted(found, key=_line_of))
    return tuple(q for q in questions if q is not None)


def _line_of(error: FormError) -> int:
    number = re.match(r"Ligne (\d+)", error.message)
    return int(number.group(1)) if number else 0


def _drafts(source: str, field: str) -> list[dict[str, Any]]:
    drafts: list[dict[str, Any]] = []
    bad: list[FormError] = []  # each line that cannot be placed (ADR 0144)
    for n, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-"):
            if not drafts:
                bad.append(FormError(field, f"Ligne {n} : une option doit suivre une "
                                              "question."))
                continue
            refs = _OPTION_REF.findall(line)
            if len(refs) > 1:
                bad.append(FormError(field, f"Ligne {n} : une option n'a qu'une étiquette "
                                              "{réf …}."))
                continue
            drafts[-1]["options"].append(_OPTION_REF.sub("", line[1:]).strip())
            drafts[-1]["option_refs"].append((refs[0] if refs else None, n))
            continue
        m = _QUESTION.match(line)
        if m is None:
            bad.append(FormError(field, f"Ligne {n} : une question commence par son numéro "
                                          "(« 1. ») et une option par un tiret (« - »)."))
            continue
        tags, ref = [], None
        for tag in (t.strip() for t in _TAG.findall(m.group(2))):
            found = _REF.match(tag)
            if found:
                ref = found.group(1)
            else:
                tags.append(tag)
        drafts.append({"number": m.group(1), "line": n, "tags": tags, "ref": ref,
                       "text": _TAG.sub("", m.group(2)).strip(), "options": [],
                       "option_refs": []})
    raise_unreadable(bad)  # the tags and conditions are read once every line is placed
    if not drafts:
        raise FormError(field, "Le questionnaire doit compter au moins une question.")
    return drafts


def _fresh(prefix: str, taken: set[str]) -> str:
    while True:
        candidate = f"{prefix}{secrets.token_hex(3)}"
        if candidate not in taken:
            return candidate


def _option_ids(d: dict[str, Any], before: dict[str, Any] | None, field: str) -> list[str]:
    """An option keeps the id its {réf} tag names (among the saved question's
    options), else the id of the saved option with its label; others get new ones."""
    saved = [o["option_id"] for o in (before or {}).get("options", [])]
    claimed: dict[str, int] = {}
    for ref, line in d["option_refs"]:
        if ref is not None:
            _claim(ref, line, saved, claimed, field,
                   "la question n'a pas d'option enregistrée de", "une nouvelle option")
    if before is None:
        return [f"{d['id']}-o{i + 1}" for i in range(len(d["options"]))]
    known = {o["label"]: o["option_id"] for o in before.get("options", [])
             if o["option_id"] not in claimed}
    taken = set(saved)
    ids = []
    for label, (ref, _line) in zip(d["options"], d["option_refs"], strict=True):
        option_id = ref or known.pop(label, None) or _fresh(f"{d['id']}-o", taken)
        taken.add(option_id)
        ids.append(option_id)
    return ids


def _question(d: dict[str, Any], seen: dict[str, dict[str, Any]], field: str) -> QuestionSpec:
    kind = "single" if d["options"] else "open"
    required = allow_other = False
    condition = None
    for tag in d["tags"]:
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
    options = tuple(OptionSpec(oid, label) for oid, label in zip(d["option_ids"], d["options"],
                                                                  strict=True))
    return QuestionSpec(question_id=d["id"], kind=kind, text=d["text"], required=required,
                        options=options, allow_other=allow_other, condition=condition)


def _condition(expr: str, line: int, seen: dict[str, dict[str, Any]],
               field: str) -> ConditionSpec:
    number, _, labels = (part.strip() for part in expr.partition("="))
    parent = seen.get(number)
    if parent is None or parent["line"] >= line:
        raise FormError(field, f"Ligne {line} : la condition doit viser une question "
                               "précédente (« {si 1 = Oui} »).")
    wanted = [w.strip() for w in labels.split(";") if w.strip()]
    option_ids = []
    for label in wanted:
        if label not in parent["options"]:
            raise FormError(field, f"Ligne {line} : la question {number} n'a pas d'option "
                                   f"« {label} ».")
        option_ids.append(parent["option_ids"][parent["options"].index(label)])
    return ConditionSpec(parent["id"], tuple(option_ids))


def render(questions: Sequence[dict[str, Any]]) -> str:
    """The read model's questions back as text, for editing (numbered 1..N, each
    question and option with its {réf} so that its id survives renumbering and
    rewording)."""
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
        tags.append(f"{{réf {q['question_id']}}}")
        lines.append(f"{numbers[q['question_id']]}. {q['text']} {' '.join(tags)}")
        lines.extend(f"- {o['label']} {{réf {o['option_id']}}}" for o in q.get("options", []))
    return "\n".join(lines)


def _claim(ref: str, line: int, known: Collection[str], claimed: dict[str, int], field: str,
           none: str, new: str) -> None:
    """A {réf} tag of line `line` names one of `known`, and no other line's tag
    names it too (FormError otherwise, in the editor's words)."""
    if ref not in known:
        raise FormError(field, f"Ligne {line} : {none} référence {ref} (retirez {{réf {ref}}} "
                               f"pour {new}).")
    if ref in claimed:
        raise FormError(field, f"Ligne {line} : la référence {ref} est déjà celle de la "
                               f"ligne {claimed[ref]}.")
    claimed[ref] = line
