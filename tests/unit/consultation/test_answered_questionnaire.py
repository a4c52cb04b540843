"""A questionnaire that has answers keeps what gives them their meaning (ADR
0137): its questions, their types and their options; new questions are optional
and none becomes required; an id keeps the question (the option) it named, so
swapped {réf} tags, or a wording handed to another id, are refused. Wording,
order and new optional questions pass.
Decided by the handler on the version its stream holds; whether answers exist
is the sender's word (`answered`), the deposit service's data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from consultation.consultation_world import World
from services.consultation import content_handlers as ch
from services.consultation import handlers as h
from services.consultation.commands import CreateConsultation
from services.consultation.content_commands import OptionSpec, QuestionSpec, SaveQuestionnaire
from services.core.errors import DomainError

HEATING = QuestionSpec("chauffage", "single", "Comment vous chauffez-vous ?", options=(
    OptionSpec("gaz", "Gaz"), OptionSpec("elec", "Électricité")), allow_other=True)
WHY = QuestionSpec("pourquoi", "open", "Pourquoi ce choix ?")
TOWN = QuestionSpec("commune", "open", "Votre commune ?")
SAVED = SaveQuestionnaire("energie", "c1", "Énergie", (HEATING, WHY, TOWN))


async def _saved(world: World) -> None:
    await h.create_consultation(CreateConsultation("c1", "Énergie", "energie"), **world.ports)  # type: ignore[arg-type]
    await ch.save_questionnaire(SAVED, **world.ports)  # type: ignore[arg-type]


def _edit(*questions: QuestionSpec, answered: bool = True) -> SaveQuestionnaire:
    return replace(SAVED, questions=questions, answered=answered)


RESHAPED = [
    ((HEATING, WHY), "answered_question_removed", "questions", "« Votre commune ? »"),
    ((HEATING, replace(WHY, kind="single", options=(OptionSpec("oui", "Oui"),
                                                    OptionSpec("non", "Non"))), TOWN),
     "answered_kind_changed", "questions.1.kind", "(question ouverte)"),
    ((replace(HEATING, kind="multiple"), WHY, TOWN), "answered_kind_changed",
     "questions.0.kind", "(choix unique)"),
    ((replace(HEATING, options=(OptionSpec("gaz-naturel", "Gaz naturel"),
                                OptionSpec("elec", "Électricité"))), WHY, TOWN),
     "answered_option_removed", "questions.0.options", "l'option « Gaz »"),
    ((replace(HEATING, allow_other=False), WHY, TOWN), "answered_option_removed",
     "questions.0.options", "l'option « Autre »"),
    ((HEATING, WHY, TOWN, QuestionSpec("age", "open", "Votre âge ?", required=True)),
     "answered_new_required", "questions.3", "« Votre âge ? »"),
    ((HEATING, replace(WHY, required=True), TOWN), "answered_now_required",
     "questions.1.required", "« Pourquoi ce choix ? »"),
    # the {réf} tags of two questions swapped: each text under the other's id
    ((HEATING, replace(WHY, question_id="commune"), replace(TOWN, question_id="pourquoi")),
     "answered_wording_moved", "questions.1",
     "l'intitulé « Pourquoi ce choix ? » était celui de la référence pourquoi"),
    # swapped and reworded in the same save
    ((HEATING, replace(WHY, question_id="commune", text="Pourquoi avoir fait ce choix ?"),
      replace(TOWN, question_id="pourquoi", text="Votre commune de résidence ?")),
     "answered_wording_moved", "questions.1",
     "l'intitulé « Pourquoi avoir fait ce choix ? » reprend « Pourquoi ce choix ? » "
     "(référence pourquoi)"),
    # the texts exchanged, the ids left where they were
    ((HEATING, replace(WHY, text="Votre commune ?"), replace(TOWN, text="Pourquoi ce choix ?")),
     "answered_wording_moved", "questions.2", "porte maintenant la référence commune, "
     "celle de « Votre commune ? »"),
    # a saved question's text under a new id, its own id on another text
    ((HEATING, replace(WHY, text="Quel âge avez-vous ?"), TOWN,
      QuestionSpec("nouvelle", "open", "Pourquoi ce choix ?")),
     "answered_wording_moved", "questions.3", "et la sienne, pourquoi, est passée à "
     "« Quel âge avez-vous ? »"),
    # two options' tags swapped
    ((replace(HEATING, options=(OptionSpec("elec", "Gaz"), OptionSpec("gaz", "Électricité"))),
      WHY, TOWN), "answered_wording_moved", "questions.0.options",
     "le libellé « Gaz » de la question « Comment vous chauffez-vous ? » était celui de la "
     "référence gaz"),
    # an option's label under a new option, its own id on another label
    ((replace(HEATING, options=(OptionSpec("gaz", "Fioul"), OptionSpec("elec", "Électricité"),
                                OptionSpec("gaz2", "Gaz"))), WHY, TOWN),
     "answered_wording_moved", "questions.0.options", "et la sienne, gaz, est passée à « Fioul »"),
]


@pytest.mark.parametrize(("questions", "code", "field", "named"), RESHAPED)
async def test_what_would_change_the_answers_meaning_is_refused_naming_it(
        world: World, questions: tuple[QuestionSpec, ...], code: str, field: str,
        named: str) -> None:
    await _saved(world)
    before = len(await world.events())
    with pytest.raises(DomainError) as err:
        await ch.save_questionnaire(_edit(*questions), **world.ports)  # type: ignore[arg-type]
    assert (err.value.code, err.value.field) == (code, field)
    assert err.value.message.startswith("Ce questionnaire a déjà reçu des réponses : ")
    assert named in err.value.message
    assert len(await world.events()) == before


@pytest.mark.parametrize(("questions", "code", "field", "named"), RESHAPED)
async def test_without_answers_the_questionnaire_is_reshaped_freely(
        world: World, questions: tuple[QuestionSpec, ...], code: str, field: str,
        named: str) -> None:
    await _saved(world)
    await ch.save_questionnaire(_edit(*questions, answered=False), **world.ports)  # type: ignore[arg-type]


async def test_wording_order_and_a_new_optional_question_keep_the_answers_meaning(
        world: World) -> None:
    await _saved(world)
    reworded = replace(HEATING, text="Comment chauffez-vous votre logement ?", options=(
        OptionSpec("elec", "Électricité"), OptionSpec("gaz", "Gaz naturel")), required=False)
    await ch.save_questionnaire(_edit(  # type: ignore[arg-type]
        replace(TOWN, text="Votre commune de résidence ?"), reworded,
        replace(WHY, required=False, max_length=500),
        QuestionSpec("age", "open", "Votre âge ?")), **world.ports)
    await world.project()
    saved = await world.store.get("questionnaires", "c1", "energie")
    assert saved is not None
    assert [q["question_id"] for q in saved["questions"]] == [
        "commune", "chauffage", "pourquoi", "age"]
    assert saved["questions"][1]["options"] == [
        {"option_id": "elec", "label": "Électricité"},
        {"option_id": "gaz", "label": "Gaz naturel"}]


@pytest.mark.parametrize("questions", [
    # one question reworded, the others moved around it
    (replace(TOWN, text="Dans quelle commune habitez-vous ?"), HEATING, WHY),
    # two questions moved past each other, each reworded in its own words
    (replace(TOWN, text="Votre commune de résidence ?"),
     replace(WHY, text="Pourquoi avez-vous fait ce choix ?"), HEATING),
    # two reworded in place, alike as the questionnaire's questions often are
    (HEATING, replace(WHY, text="Pourquoi ce choix de chauffage ?"),
     replace(TOWN, text="Votre commune ou votre quartier ?")),
    # options moved and one reworded; a new option beside them
    (replace(HEATING, options=(OptionSpec("elec", "Électricité"), OptionSpec("gaz", "Gaz de ville"),
                               OptionSpec("bois", "Bois"))), WHY, TOWN),
], ids=["one-reworded", "crossing-reworded", "alike-reworded", "options"])
async def test_an_id_kept_by_its_own_question_through_moves_and_rewordings_passes(
        world: World, questions: tuple[QuestionSpec, ...]) -> None:
    await _saved(world)
    await ch.save_questionnaire(_edit(*questions), **world.ports)  # type: ignore[arg-type]


async def test_the_version_compared_is_the_streams_latest(world: World) -> None:
    """Two saves in a row: the second is judged against the first's result."""
    await _saved(world)
    await ch.save_questionnaire(_edit(HEATING, WHY, TOWN, QuestionSpec("age", "open", "Âge ?")),  # type: ignore[arg-type]
                                **world.ports)
    with pytest.raises(DomainError) as err:
        await ch.save_questionnaire(_edit(HEATING, WHY, TOWN), **world.ports)  # type: ignore[arg-type]
    assert err.value.code == "answered_question_removed" and "« Âge ? »" in err.value.message
