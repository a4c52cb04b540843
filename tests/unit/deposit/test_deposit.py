"""Deposit handlers on memory fakes: every refusal stores nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from harness.deposit_world import CID, QID, World, participant

from services.consultation.questionnaire import OTHER, Answer
from services.core.errors import DomainError, NotFound
from services.deposit.commands import (
    EditContribution,
    SetContributionPolicy,
    SubmitArgument,
    SubmitComment,
    SubmitProposal,
    SubmitResponse,
    WithdrawContribution,
)
from services.deposit.projections import BY_AUTHOR, CONTRIBUTIONS, RESPONSES

GOOD = {"impots": Answer(option_ids=("oui",)), "lesquels": Answer(text="La taxe foncière.")}


def proposal(cid: str = "k1", **kw: object) -> SubmitProposal:
    fields: dict[str, object] = {"title": "Des pistes cyclables", "body":
                                 "Relier les communes par des pistes sécurisées."}
    fields.update(kw)
    return SubmitProposal(cid, CID, participant(), **fields)  # type: ignore[arg-type]


def response(answers: dict[str, Answer], who: str = "p-alice", cid: str = "r1") -> SubmitResponse:
    return SubmitResponse(cid, CID, QID, participant(who), answers)


async def refused(world: World, command: object, code: str, field: str | None = None) -> None:
    before = len(await world.events())
    with pytest.raises(DomainError) as caught:
        await world.handle(command)
    assert caught.value.code == code, caught.value.message
    if field is not None:
        assert caught.value.field == field
    assert caught.value.message  # French, shown to the user
    assert len(await world.events()) == before, "a refused command stored something"


async def test_a_proposal_is_stored_with_the_author_as_pseudonymous_actor(world: World) -> None:
    await world.handle(proposal(theme_id="fiscalite", territory="69"))
    [event] = await world.events()
    assert event.type == "deposit.ProposalSubmitted"
    assert event.actor.id == "p-alice" and event.stream == "contribution-k1"
    assert event.data["moderation"] == "post"
    await world.project()
    mine = await world.store.list(BY_AUTHOR, "p-alice")
    assert [doc["id"] for _, doc in mine] == ["k1"]


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"title": "abc"}, "too_short", "title"),
    ({"title": "x" * 141}, "too_long", "title"),
    ({"body": "y" * 5001}, "too_long", "body"),
    ({"theme_id": "inconnu"}, "unknown_theme", "theme_id"),
    ({"territory": "99"}, "unknown_territory", "territory"),
])
async def test_bad_proposals_are_refused(world: World, fields: dict[str, object], code: str,
                                         field: str) -> None:
    await refused(world, proposal(**fields), code, field)


async def test_outside_the_deposit_phase_nothing_is_accepted(world: World) -> None:
    world.clock.advance(timedelta(days=11))  # the vote phase: no deposit, no answers
    await refused(world, proposal(), "phase_closed", "phase")
    await refused(world, response(GOOD), "phase_closed", "phase")


async def test_identity_level_below_the_consultation_is_refused() -> None:
    world = await World().setup(identity_level="email")
    await refused(world, proposal(), "identity_level_too_low")
    await world.handle(SubmitProposal("k2", CID, participant("p-bob", "verified"),
                                      "Une idée claire", "Un texte assez long pour passer."))


async def test_an_unpublished_or_unknown_consultation_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.handle(SubmitProposal("k1", "nope", participant(), "Titre ok",
                                          "Un texte assez long."))


async def test_a_valid_response_with_a_conditional_follow_up_is_stored(world: World) -> None:
    await world.handle(response(GOOD))
    [event] = await world.events()
    assert event.stream == f"response-{QID}-p-alice" and event.stream_version == 1
    await world.project()
    [(_, doc)] = await world.store.list(RESPONSES, QID)
    assert {a["question_id"] for a in doc["answers"]} == {"impots", "lesquels"}


async def test_closed_only_and_autre_responses_are_accepted(world: World) -> None:
    await world.handle(response({"impots": Answer(option_ids=("non",)),
                                 "services": Answer(option_ids=("sante", "ecole"))}))
    await world.handle(response({"impots": Answer(option_ids=(OTHER,), other_text="Ça dépend")},
                                who="p-bob", cid="r2"))
    assert len(await world.events()) == 2


@pytest.mark.parametrize(("answers", "code", "field"), [
    ({}, "answer_required", "answers.impots"),
    ({"impots": Answer(option_ids=("oui",))}, "answer_required", "answers.lesquels"),
    ({"impots": Answer(option_ids=("non",)), "lesquels": Answer(text="x")},
     "question_not_shown", "answers.lesquels"),
    ({**GOOD, "inconnue": Answer(text="x")}, "unknown_question", "answers.inconnue"),
    ({"impots": Answer(option_ids=("peut-etre",))}, "unknown_option", "answers.impots"),
    ({"impots": Answer(option_ids=(OTHER,))}, "other_text_required", "answers.impots"),
    ({"impots": Answer(option_ids=("oui",)), "lesquels": Answer(text="t" * 301)},
     "answer_too_long", "answers.lesquels"),
])
async def test_bad_answers_are_refused(world: World, answers: dict[str, Answer], code: str,
                                       field: str) -> None:
    await refused(world, response(answers), code, field)


async def test_a_second_response_is_refused_by_the_log_key(world: World) -> None:
    await world.handle(response(GOOD))
    await refused(world, response(GOOD, cid="r2"), "already_answered", "questionnaire_id")


async def test_two_concurrent_responses_store_exactly_one(world: World) -> None:
    results = await asyncio.gather(*(world.handle(response(GOOD, cid=f"r{i}")) for i in range(5)),
                                   return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, DomainError) for r in results if isinstance(r, Exception))
    assert len(await world.events()) == 1


async def test_arguments_and_comments_attach_to_a_proposal(world: World) -> None:
    await world.handle(proposal())
    await world.project()
    await world.handle(SubmitArgument("a1", "k1", participant("p-bob"), "for", "Un air plus sain."))
    await refused(world, SubmitArgument("a2", "k1", participant("p-bob"), "maybe", "Bof bof."),
                  "invalid_side", "side")
    await world.project()
    await world.handle(SubmitComment("m1", "a1", participant("p-carl"), "D'accord."))
    with pytest.raises(NotFound):
        await world.handle(SubmitArgument("a3", "unknown", participant(), "for", "Texte."))
    types = [e.type for e in await world.events()]
    assert types == ["deposit.ProposalSubmitted", "deposit.ArgumentSubmitted",
                     "deposit.CommentSubmitted"]


async def test_no_edit_nor_withdrawal_by_default(world: World) -> None:
    await world.handle(proposal())
    await world.project()
    await refused(world, EditContribution("k1", participant(), "Nouveau texte bien long.",
                                          "Nouveau titre"), "edit_not_allowed")
    await refused(world, WithdrawContribution("k1", participant()), "withdraw_not_allowed")


async def test_edit_within_the_window_then_withdraw(world: World) -> None:
    world.meta = world.organiser
    await world.handle(SetContributionPolicy(CID, edit_minutes=30, withdraw_allowed=True))
    await world.handle(proposal())
    await world.project()
    with pytest.raises(NotFound):  # someone else's contribution
        await world.handle(EditContribution("k1", participant("p-eve"), "Texte modifié ici."))
    await world.handle(EditContribution("k1", participant(), "Un texte modifié et plus long.",
                                        "Un titre modifié"))
    await world.project()
    world.clock.advance(timedelta(minutes=31))
    await refused(world, EditContribution("k1", participant(), "Encore un texte modifié."),
                  "edit_not_allowed")
    await world.handle(WithdrawContribution("k1", participant()))
    await world.project()
    doc = await world.store.get(CONTRIBUTIONS, "all", "k1")
    assert doc is not None and doc["withdrawn"] and doc["title"] == "Un titre modifié"


async def test_decisions_read_the_log_not_the_lagging_read_model(world: World) -> None:
    """Nothing projected between the commands (the read model is empty): an
    argument on a proposal just submitted, its edit and its withdrawal right after
    are decided on the streams in the log (ADR 0030), as a second edit is on the
    first one's version."""
    world.meta = world.organiser
    await world.handle(SetContributionPolicy(CID, edit_minutes=30, withdraw_allowed=True))
    await world.handle(proposal())
    await world.handle(SubmitArgument("a1", "k1", participant("p-bob"), "for", "Un air plus sain."))
    await world.handle(EditContribution("k1", participant(), "Un texte modifié et plus long.",
                                        "Un titre modifié"))
    await world.handle(EditContribution("k1", participant(), "Un texte modifié une seconde fois.",
                                        "Un titre retouché"))
    await world.handle(WithdrawContribution("k1", participant()))
    await refused(world, WithdrawContribution("k1", participant()), "withdrawn")
    assert await world.store.get(CONTRIBUTIONS, "all", "k1") is None  # never projected
    versions = [(e.type, e.stream_version) for e in await world.events()
                if e.stream == "contribution-k1"]
    assert versions == [("deposit.ProposalSubmitted", 1), ("deposit.ContributionEdited", 2),
                        ("deposit.ContributionEdited", 3), ("deposit.ContributionWithdrawn", 4)]


async def test_a_retry_with_the_same_key_answers_the_first_submission(world: World) -> None:
    """A retry after a crash (the API makes a new id per attempt) and a duplicate
    racing the first attempt answer the contribution the first one recorded, and
    the log holds it once (ADR 0033). Another participant's same key is theirs."""
    first = await world.handle(proposal("k1", request_key="clé-1"))
    again = await world.handle(proposal("k2", request_key="clé-1"))
    racing = await asyncio.gather(world.handle(proposal("k3", request_key="clé-2")),
                                  world.handle(proposal("k4", request_key="clé-2")))
    other = await world.handle(SubmitProposal("k5", CID, participant("p-bob"), "Un titre",
                                              "Un texte assez long.", request_key="clé-1"))
    assert (first, again, other) == ("k1", "k1", "k5")
    assert racing[0] == racing[1] and racing[0] in ("k3", "k4")
    submitted = [e.data["contribution_id"] for e in await world.events()
                 if e.type == "deposit.ProposalSubmitted"]
    assert sorted(submitted) == sorted(["k1", racing[0], "k5"])
    assert not any("clé" in str(e.data) for e in await world.events())  # the key is hashed


async def test_a_retry_a_check_now_refuses_still_answers_the_first_submission(
        world: World) -> None:
    """The key is read once the retry is refused (ADR 0094): a retry whose text no
    longer passes, or whose phase has closed since, answers the first outcome as
    the log's conflict does; without a recorded key the refusal stands."""
    first = await world.handle(proposal("k1", request_key="clé-1"))
    short = await world.handle(SubmitProposal("k2", CID, participant(), "Non", "Court",
                                              request_key="clé-1"))
    assert (first, short) == ("k1", "k1")
    with pytest.raises(DomainError, match="titre"):
        await world.handle(SubmitProposal("k3", CID, participant(), "Non", "Court",
                                          request_key="clé-2"))
    world.clock.advance(timedelta(days=11))  # the vote phase: no deposit
    assert await world.handle(proposal("k4", request_key="clé-1")) == "k1"
    with pytest.raises(DomainError, match="phase"):
        await world.handle(proposal("k5", request_key="clé-3"))
    assert [e.data["contribution_id"] for e in await world.events()
            if e.type == "deposit.ProposalSubmitted"] == ["k1"]
