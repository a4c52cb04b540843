"""A questionnaire response is given once and never changed: a submission that
answers nothing is refused (it would use up the person's only response), and a
second submission is confirmed only when it is the very first one sent again."""

from __future__ import annotations

import pytest
from harness.deposit_world import CID, QID, World, participant

from services.consultation.content_commands import OptionSpec, QuestionSpec, SaveQuestionnaire
from services.consultation.content_handlers import save_questionnaire
from services.consultation.questionnaire import Answer
from services.core.errors import DomainError
from services.deposit.commands import SubmitResponse

FREE = "q-libre"  # every question optional, as in the Grand Débat's questionnaires
GOOD = {"impots": Answer(option_ids=("oui",)), "lesquels": Answer(text="La taxe foncière.")}


async def free_questionnaire(world: World) -> None:
    await save_questionnaire(SaveQuestionnaire(FREE, CID, "Questions libres", (
        QuestionSpec("transport", "single", "Quel transport ?",
                     options=(OptionSpec("velo", "Vélo"), OptionSpec("bus", "Bus"))),
        QuestionSpec("idees", "open", "Vos idées ?", max_length=500),
    )), log=world.log, clock=world.clock, meta=world.organiser)
    await world.project()


def response(answers: dict[str, Answer], qid: str = QID, key: str = "",
             cid: str = "r1") -> SubmitResponse:
    return SubmitResponse(cid, CID, qid, participant(), answers, request_key=key)


async def test_a_response_that_answers_nothing_is_refused_and_uses_nothing_up(
        world: World) -> None:
    await free_questionnaire(world)
    for empty in ({}, {"idees": Answer(text="   ")}, {"transport": Answer()}):
        with pytest.raises(DomainError) as caught:
            await world.handle(response(empty, FREE, key="form-1"))
        assert caught.value.code == "no_answer" and "aucune question" in caught.value.message
    assert await world.events() == []
    await world.handle(response({"idees": Answer(text="Plus de trains.")}, FREE, key="form-2"))
    [event] = [e for e in await world.events() if e.type == "deposit.ResponseSubmitted"]
    assert event.data["answers"] == [{"question_id": "idees", "option_ids": [],
                                      "other_text": "", "text": "Plus de trains."}]


async def test_the_same_form_sent_again_is_confirmed_other_answers_are_told_already_given(
        world: World) -> None:
    assert await world.handle(response(GOOD, key="form-1")) == "r1"
    assert await world.handle(response(GOOD, key="form-1")) == "r1"  # a double click
    other = {"impots": Answer(option_ids=("non",))}
    for retry in (response(other, key="form-1"), response(GOOD, key="form-2"),
                  response(GOOD), response({}, key="form-1")):
        with pytest.raises(DomainError) as caught:
            await world.handle(retry)
        assert caught.value.code == "already_answered", retry
    assert len(await world.events()) == 2  # the response and its key, once
