"""A participant's form refused for several fields reports every one, in the
form's order, and stores nothing (ADR 0144, amended 2026-12-08)."""

from __future__ import annotations

import pytest
from harness.deposit_world import CID, QID, World, participant

from services.consultation.questionnaire import OTHER, Answer
from services.core.errors import DomainError, InvalidFields
from services.deposit.commands import (
    EditContribution,
    SetContributionPolicy,
    SubmitArgument,
    SubmitProposal,
    SubmitResponse,
)


async def _refused(world: World, command: object) -> list[tuple[str | None, str]]:
    before = len(await world.events())
    with pytest.raises(DomainError) as err:
        await world.handle(command)
    errors = err.value.errors if isinstance(err.value, InvalidFields) else (err.value,)
    assert (err.value.field, err.value.code) == (errors[0].field, errors[0].code)
    assert all(e.message and e.message[0].isupper() for e in errors)
    assert len(await world.events()) == before, "a refused command stored something"
    return [(e.field, e.code) for e in errors]


async def test_a_proposal_reports_each_bad_field_in_the_forms_order(world: World) -> None:
    cmd = SubmitProposal("k1", CID, participant(), "abc", "y" * 5001, "inconnu", "99")
    assert await _refused(world, cmd) == [
        ("title", "too_short"), ("body", "too_long"), ("theme_id", "unknown_theme"),
        ("territory", "unknown_territory")]


async def test_a_proposal_refused_for_one_field_says_that_one(world: World) -> None:
    cmd = SubmitProposal("k1", CID, participant(), "Des pistes cyclables", "court")
    assert await _refused(world, cmd) == [("body", "too_short")]


async def test_an_edited_proposal_reports_title_and_text_together(world: World) -> None:
    world.meta = world.organiser
    await world.handle(SetContributionPolicy(CID, edit_minutes=30))
    await world.handle(SubmitProposal("k1", CID, participant(), "Des pistes cyclables",
                                      "Relier les communes par des pistes sécurisées."))
    await world.project()
    cmd = EditContribution("k1", participant(), "court", "abc")
    assert await _refused(world, cmd) == [("title", "too_short"), ("body", "too_short")]


async def test_an_argument_reports_its_side_and_its_text_together(world: World) -> None:
    await world.handle(SubmitProposal("k1", CID, participant(), "Des pistes cyclables",
                                      "Relier les communes par des pistes sécurisées."))
    await world.project()
    cmd = SubmitArgument("a1", "k1", participant("p-bob"), "maybe", "x")
    assert await _refused(world, cmd) == [("side", "invalid_side"), ("body", "too_short")]


async def test_a_response_reports_every_refused_answer(world: World) -> None:
    answers = {"impots": Answer(option_ids=(OTHER,)),  # « Autre » without its text
               "idees": Answer(text="x" * 501)}  # too long
    cmd = SubmitResponse("r1", CID, QID, participant(), answers)
    assert await _refused(world, cmd) == [
        ("answers.impots", "other_text_required"), ("answers.idees", "answer_too_long")]


async def test_a_response_lists_a_required_question_beside_a_too_long_text(
        world: World) -> None:
    answers = {"impots": Answer(option_ids=("oui",)), "idees": Answer(text="x" * 501)}
    cmd = SubmitResponse("r1", CID, QID, participant(), answers)
    assert await _refused(world, cmd) == [
        ("answers.lesquels", "answer_required"), ("answers.idees", "answer_too_long")]
