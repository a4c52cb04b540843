"""Questionnaire definitions and the pure answer validation deposit code will call."""

from __future__ import annotations

from typing import Any

import pytest

from consultation.consultation_world import World
from services.consultation import content_handlers as ch
from services.consultation.content_commands import (
    ConditionSpec,
    OptionSpec,
    QuestionSpec,
    SaveQuestionnaire,
)
from services.consultation.questionnaire import (
    OTHER,
    Answer,
    is_shown,
    validate_answers,
    validate_questionnaire,
)
from services.core.errors import DomainError

YES_NO = (OptionSpec("oui", "Oui"), OptionSpec("non", "Non"))


def _questionnaire(*questions: QuestionSpec) -> SaveQuestionnaire:
    return SaveQuestionnaire("qn1", "c1", "Mobilités", questions)


def _questions() -> list[dict[str, Any]]:
    return validate_questionnaire(_questionnaire(
        QuestionSpec("velo", "single", "Utilisez-vous un vélo ?", required=True,
                     options=YES_NO),
        QuestionSpec("pourquoi", "open", "Si oui, pourquoi ?", max_length=20,
                     condition=ConditionSpec("velo", ("oui",))),
        QuestionSpec("detail", "open", "Précisez", condition=ConditionSpec("pourquoi")),
        QuestionSpec("modes", "multiple", "Vos autres modes", options=(
            OptionSpec("bus", "Bus"), OptionSpec("train", "Train")), allow_other=True,
            max_length=10),
    ))["questions"]


def test_a_complete_valid_answer_set_passes() -> None:
    validate_answers(_questions(), {
        "velo": Answer(option_ids=("oui",)),
        "pourquoi": Answer(text="C'est rapide"),
        "detail": Answer(text="Et sain"),
        "modes": Answer(option_ids=("bus", OTHER), other_text="Roller"),
    })


def test_conditional_follow_ups_are_shown_only_for_the_given_answer() -> None:
    questions = {q["question_id"]: q for q in _questions()}
    assert not is_shown(questions["pourquoi"], {"velo": Answer(option_ids=("non",))})
    assert is_shown(questions["pourquoi"], {"velo": Answer(option_ids=("oui",))})
    assert not is_shown(questions["detail"], {})
    assert is_shown(questions["detail"], {"pourquoi": Answer(text="x")})


@pytest.mark.parametrize(("answers", "code", "field"), [
    ({}, "answer_required", "answers.velo"),
    ({"velo": Answer(option_ids=("non",)), "pourquoi": Answer(text="x")},
     "question_not_shown", "answers.pourquoi"),
    ({"velo": Answer(option_ids=("oui",)), "nope": Answer(text="x")},
     "unknown_question", "answers.nope"),
    ({"velo": Answer(option_ids=("peut-etre",))}, "unknown_option", "answers.velo"),
    ({"velo": Answer(option_ids=("oui", "non"))}, "too_many_choices", "answers.velo"),
    ({"velo": Answer(option_ids=("oui",)), "pourquoi": Answer(text="x" * 21)},
     "answer_too_long", "answers.pourquoi"),
    ({"velo": Answer(option_ids=("oui",)), "modes": Answer(option_ids=(OTHER,))},
     "other_text_required", "answers.modes"),
    ({"velo": Answer(option_ids=("oui",)),
      "modes": Answer(option_ids=(OTHER,), other_text="x" * 11)},
     "answer_too_long", "answers.modes"),
    ({"velo": Answer(option_ids=("oui",)), "modes": Answer(option_ids=("bus",),
                                                          other_text="x")},
     "other_text_without_other", "answers.modes"),
    ({"velo": Answer(text="oui")}, "unknown_option", "answers.velo"),
])
def test_bad_answers_are_refused_naming_the_question(
        answers: dict[str, Answer], code: str, field: str) -> None:
    with pytest.raises(DomainError) as err:
        validate_answers(_questions(), answers)
    assert (err.value.code, err.value.field) == (code, field)


def test_the_autre_option_is_refused_where_not_allowed() -> None:
    with pytest.raises(DomainError) as err:
        validate_answers(_questions(), {"velo": Answer(option_ids=(OTHER,), other_text="x")})
    assert err.value.code == "unknown_option"


@pytest.mark.parametrize(("questions", "field"), [
    ((QuestionSpec("a", "single", "A ?"),), "questions.0.options"),
    ((QuestionSpec("a", "open", "A ?", options=YES_NO),), "questions.0.options"),
    ((QuestionSpec("a", "open", "x" * 1001),), "questions.0.text"),
    ((QuestionSpec("a", "open", "A"), QuestionSpec("a", "open", "B")), "questions.1.question_id"),
    ((QuestionSpec("a", "open", "A", condition=ConditionSpec("b")),
      QuestionSpec("b", "open", "B")), "questions.0.condition"),
    ((QuestionSpec("a", "single", "A", options=YES_NO),
      QuestionSpec("b", "open", "B", condition=ConditionSpec("a", ("peut-etre",)))),
     "questions.1.condition"),
    ((QuestionSpec("a", "single", "A", options=(OptionSpec("autre", "Autre"),)),),
     "questions.0.options.0"),
    ((QuestionSpec("a", "open", "A", max_length=0),), "questions.0.max_length"),
    ((QuestionSpec("a", "poll", "A"),), "questions.0.kind"),
    ((), "questions"),
])
async def test_bad_definitions_are_refused_and_save_nothing(
        world: World, questions: tuple[QuestionSpec, ...], field: str) -> None:
    from services.consultation import handlers as h
    from services.consultation.commands import CreateConsultation

    await h.create_consultation(CreateConsultation("c1", "Plan vélo", "velo"), **world.ports)  # type: ignore[arg-type]
    before = len(await world.events())
    with pytest.raises(DomainError) as err:
        await ch.save_questionnaire(_questionnaire(*questions), **world.ports)  # type: ignore[arg-type]
    assert err.value.field == field
    assert len(await world.events()) == before


async def test_a_questionnaire_needs_an_existing_consultation(world: World) -> None:
    with pytest.raises(DomainError) as err:
        await ch.save_questionnaire(_questionnaire(QuestionSpec("a", "open", "A ?")),
                                    **world.ports)  # type: ignore[arg-type]
    assert err.value.field == "consultation_id"


def test_every_refused_answer_is_reported_in_the_questions_order() -> None:
    """ADR 0144: a question's refusal does not hide the next ones'."""
    from services.core.errors import InvalidFields
    with pytest.raises(InvalidFields) as err:
        validate_answers(_questions(), {
            "nope": Answer(text="x"),
            "velo": Answer(option_ids=("oui",)), "pourquoi": Answer(text="x" * 21),
            "modes": Answer(option_ids=(OTHER,))})
    assert [(e.field, e.code) for e in err.value.errors] == [
        ("answers.nope", "unknown_question"), ("answers.pourquoi", "answer_too_long"),
        ("answers.modes", "other_text_required")]


def test_every_refused_question_and_option_is_reported_in_the_forms_order() -> None:
    """ADR 0144: the title, then each question's refusals; a condition on a
    refused question is not refused for that (its target is said already)."""
    from services.core.errors import InvalidFields
    cmd = SaveQuestionnaire("qn1", "c1", "ab", (
        QuestionSpec("velo", "single", "Utilisez-vous un vélo ?", options=(
            OptionSpec("oui", "Oui"), OptionSpec("oui", "Encore oui"))),
        QuestionSpec("pourquoi", "open", "", condition=ConditionSpec("velo")),
        QuestionSpec("modes", "multiple", "Vos modes", options=(OptionSpec("bus", ""),)),
        QuestionSpec("duree", "open", "Combien de temps ?", max_length=0),
    ))
    with pytest.raises(InvalidFields) as err:
        validate_questionnaire(cmd)
    assert [(e.field, e.code) for e in err.value.errors] == [
        ("title", "too_short"), ("questions.0.options", "duplicate_option"),
        ("questions.1.text", "required"), ("questions.2.options.0.label", "required"),
        ("questions.3.max_length", "invalid_max_length")]


def test_one_questions_own_refusals_are_reported_together() -> None:
    """ADR 0144 (amended): a question's length, options and text are said at once,
    each option's label too; the options' ids are compared once each is valid."""
    from services.core.errors import InvalidFields
    cmd = SaveQuestionnaire("qn1", "c1", "Mobilités", (
        QuestionSpec("velo", "single", "", max_length=0, options=(
            OptionSpec("oui", ""), OptionSpec("autre", "Autre"), OptionSpec("non", "n" * 201))),
    ))
    with pytest.raises(InvalidFields) as err:
        validate_questionnaire(cmd)
    assert [(e.field, e.code) for e in err.value.errors] == [
        ("questions.0.max_length", "invalid_max_length"),
        ("questions.0.options.0.label", "required"),
        ("questions.0.options.1", "reserved_option"),
        ("questions.0.options.2.label", "too_long"),
        ("questions.0.text", "required")]
