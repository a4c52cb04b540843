"""What may still change in a questionnaire that has answers (ADR 0137).

An answer names its question by id and a chosen option by id (« Autre » is the
option `autre`); what it means is that question's type and options. So, once a
questionnaire has answers, a new version keeps every question, its type and
every option, and adds only optional questions; an optional question does not
become required (answers recorded before may have left it empty, or never
shown it). Wording, order, conditions, help texts and length limits may change:
the answers keep their meaning. An id stays with what it named: a wording saved
under one id read under another (two {réf} tags swapped) is refused
(moved_wordings.py).

Whether answers exist is the deposit service's to know: the sender says so
(`SaveQuestionnaire.answered`); the versions compared are the stream's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from services.consultation.moved_wordings import MovedWording, moved_wording
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
        if before["question_id"] not in kept:
            raise _refused("answered_question_removed", "questions",
                           f"la question {number} enregistrée, {_quote(before['text'])}, ne "
                           "peut plus être retirée : ses réponses disparaîtraient des "
                           "résultats et des données ouvertes.")
    _same_ids(saved, new)
    for before in saved:
        i, after = kept[before["question_id"]]
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
    _same_option_ids(before, after, at)
    if after["required"] and not before.get("required"):
        raise _refused("answered_now_required", f"{at}.required",
                       f"{quoted} ne peut plus devenir obligatoire : des réponses déjà "
                       "reçues ont pu la laisser vide.")


def _same_ids(saved: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> None:
    """Each saved question's id stays on that question (its {réf} tag not given
    to another)."""
    texts = {q["question_id"]: q["text"] for q in saved}
    now = {q["question_id"]: q["text"] for q in new}
    moved = moved_wording(texts, now)
    if moved is not None:
        at = next(i for i, q in enumerate(new) if q["question_id"] == moved.now_under)
        raise _refused("answered_wording_moved", f"questions.{at}",
                       _moved_message(moved, texts, now, _QUESTION_WORDS))


def _same_option_ids(before: Mapping[str, Any], after: Mapping[str, Any], at: str) -> None:
    """Each saved option's id stays on that option (« Autre » keeps its label)."""
    labels = {o["option_id"]: o["label"] for o in before.get("options", ())}
    now = {o["option_id"]: o["label"] for o in after.get("options", ())}
    moved = moved_wording(labels, now)
    if moved is not None:
        words = _OPTION_WORDS._replace(where=f" de la question {_quote(before['text'])}")
        raise _refused("answered_wording_moved", f"{at}.options",
                       _moved_message(moved, labels, now, words))


class _Words(NamedTuple):
    """How a message names a question's or an option's wording."""

    wording: str  # « l'intitulé »
    of_kind: str  # « de question »
    kind: str  # « question »
    where: str = ""  # after the wording: which question an option is of


_QUESTION_WORDS = _Words("l'intitulé", "de question", "question")
_OPTION_WORDS = _Words("le libellé", "d'option", "option")


def _moved_message(moved: MovedWording, saved: Mapping[str, str], now: Mapping[str, str],
                   words: _Words) -> str:
    """Why the answers would change of question (or of option), and what to do."""
    a, b = moved.saved_id, moved.now_under
    fix = (f" : les réponses déjà reçues changeraient {words.of_kind}. Rendez à chaque "
           f"{words.kind} sa référence {{réf …}} (changer l'ordre ou {words.wording} reste "
           "possible).")
    if b not in saved:
        return (f"{words.wording} {_quote(saved[a])}{words.where} porte maintenant une "
                f"nouvelle référence, et la sienne, {a}, est passée à {_quote(now[a])}" + fix)
    if moved.exact:
        return (f"{words.wording} {_quote(now[b])}{words.where} était celui de la référence "
                f"{a}, et porte maintenant la référence {b}, celle de {_quote(saved[b])}" + fix)
    return (f"{words.wording} {_quote(now[b])}{words.where} reprend {_quote(saved[a])} "
            f"(référence {a}) mais porte la référence {b}, celle de {_quote(saved[b])}" + fix)


def _options(question: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The question's options, « Autre » included when it offers it."""
    other = [{"option_id": OTHER, "label": OTHER_LABEL}] if question.get("allow_other") else []
    return [*question.get("options", ()), *other]


def _quote(text: str) -> str:
    short = text if len(text) <= QUOTED_MAX else text[:QUOTED_MAX - 1].rstrip() + "…"
    return f"« {short} »"


def _refused(code: str, field: str, message: str) -> DomainError:
    return DomainError(code, ANSWERED + message, field=field)
