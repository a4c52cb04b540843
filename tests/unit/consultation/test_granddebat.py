"""The Grand Débat import reproduces 4 themes, 97 question ids (94 questions + the
3 "Autre" parts of closed questions) and every conditional link of the file."""

from __future__ import annotations

import csv

from consultation.consultation_world import World
from services.consultation import content_handlers as ch
from services.consultation import handlers as h
from services.consultation.commands import CreateConsultation
from services.consultation.granddebat import DATA_DIR, OTHER_PARTS, import_granddebat
from services.consultation.questionnaire import OTHER, validate_questionnaire


def _file_rows() -> list[dict[str, str]]:
    with (DATA_DIR / "questions.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def test_four_themes_and_97_ids_as_94_questions_plus_3_autre_options() -> None:
    gd = import_granddebat("c1")
    assert [t.title for t in gd.themes] == [
        "Démocratie et citoyenneté", "Transition écologique",
        "Fiscalité et dépenses publiques", "Organisation de l'état et des services publics"]
    questions = [q for qn in gd.questionnaires for q in qn.questions]
    assert len(questions) == 94
    with_other = {q.question_id for q in questions if q.allow_other}
    assert with_other == {"1160", "1206", "1207"}
    covered = {q.question_id for q in questions} | {p for p, q in OTHER_PARTS.items()
                                                    if q in with_other}
    assert len(_file_rows()) == 97
    assert covered == {r["id"] for r in _file_rows()}
    assert [len(qn.questions) for qn in gd.questionnaires] == [37, 16, 8, 33]


def test_every_conditional_link_is_reproduced() -> None:
    questions = {q.question_id: q for qn in import_granddebat("c1").questionnaires
                 for q in qn.questions}
    links = [(r["id"], r["previous_id"]) for r in _file_rows() if r["previous_id"]]
    assert len(links) == 19
    for qid, previous in links:
        holder = questions[OTHER_PARTS.get(qid, qid)]  # an "[Autres]" part's link is its question's
        assert holder.condition is not None, qid
        assert holder.condition.question_id == previous, qid
    conditional = {q.question_id for q in questions.values() if q.condition}
    assert conditional == {OTHER_PARTS.get(q, q) for q, _ in links}


def test_conditions_say_which_answer_opens_the_follow_up() -> None:
    q = {q.question_id: q for qn in import_granddebat("c1").questionnaires for q in qn.questions}
    assert q["109"].condition and q["109"].condition.option_ids == ("oui",)   # Si oui
    assert q["172"].condition and q["172"].condition.option_ids == ("non",)   # Si non
    assert q["1207"].condition and q["1207"].condition.option_ids == ("non",)  # via 207
    assert q["112"].condition and q["112"].condition.option_ids == ()         # Pourquoi ?
    assert q["108"].kind == "single" and [o.label for o in q["108"].options] == [
        "Oui", "Non", "Je ne sais pas"]
    assert q["1207"].kind == "multiple"
    assert q["107"].kind == "open" and not q["107"].options


def test_every_imported_questionnaire_is_valid_and_keeps_autre() -> None:
    for qn in import_granddebat("c1").questionnaires:
        data = validate_questionnaire(qn)
        for question in data["questions"]:
            if question["question_id"] in OTHER_PARTS.values():
                assert question["allow_other"] and OTHER not in {
                    o["option_id"] for o in question["options"]}


async def test_importing_into_a_consultation_projects_four_questionnaires(world: World) -> None:
    await h.create_consultation(CreateConsultation("c1", "Grand débat", "grand-debat"),
                                **world.ports)  # type: ignore[arg-type]
    for qn in import_granddebat("c1").questionnaires:
        await ch.save_questionnaire(qn, **world.ports)  # type: ignore[arg-type]
    await world.project()
    docs = await world.store.list("questionnaires", "c1", limit=10)
    assert sum(len(d["questions"]) for _, d in docs) == 94
    detail = await world.store.get("consultation_detail", "all", "c1")
    assert detail is not None
    assert [q["question_count"] for q in detail["questionnaires"]] == [37, 16, 8, 33]
