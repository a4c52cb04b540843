"""A command's independent field errors are reported together, in the form's
order; a check needing a refused value is skipped (ADR 0144)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consultation.consultation_world import NOW
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    ThemeSpec,
    UpdateConsultation,
    VoteMethodSpec,
)
from services.consultation.content import Item, decide_write_article
from services.consultation.content_commands import ScheduleMeeting, WriteArticle
from services.consultation.meetings import Meeting
from services.consultation.meetings import decide_schedule as decide_meeting
from services.consultation.model import Consultation, decide_create, decide_update
from services.consultation.phases import validate_phases
from services.core.errors import DomainError, InvalidFields

DAY = timedelta(days=1)


def _refused(fn, *args, **kw) -> list[tuple[str | None, str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as err:
        fn(*args, **kw)
    errors = err.value.errors if isinstance(err.value, InvalidFields) else (err.value,)
    # the error itself stays the first refusal (the API's shape, the CLI, older tests)
    assert (err.value.field, err.value.code) == (errors[0].field, errors[0].code)
    assert all(e.message and e.message[0].isupper() for e in errors)
    return [(e.field, e.code) for e in errors]


def test_a_consultation_reports_each_bad_field_in_the_forms_order() -> None:
    cmd = CreateConsultation(
        "c1", "", "Pas Valide!", summary="x" * 2001, organiser="o" * 201,
        identity_level="nobody", moderation="never",
        themes=(ThemeSpec("t1", "t" * 121),), territories=("99", "69", "98"))
    assert _refused(decide_create, Consultation("c1"), cmd) == [
        ("title", "too_short"), ("slug", "invalid_slug"), ("summary", "too_long"),
        ("organiser", "too_long"), ("identity_level", "invalid_choice"),
        ("moderation", "invalid_choice"), ("themes.0.title", "too_long"),
        ("territories.0", "unknown_territory"), ("territories.2", "unknown_territory")]


def test_an_update_reports_its_fields_together_too() -> None:
    state = Consultation("c1", version=1, title="Plan", slug="plan")
    cmd = UpdateConsultation("c1", "ab", summary="", moderation="never")
    assert _refused(decide_update, state, cmd) == [
        ("title", "too_short"), ("moderation", "invalid_choice")]


def test_one_bad_field_is_still_a_plain_domain_error() -> None:
    with pytest.raises(DomainError) as err:
        decide_create(Consultation("c1"), CreateConsultation("c1", "Plan", "Pas Valide!"))
    assert type(err.value) is DomainError and err.value.field == "slug"


def test_duplicate_themes_are_checked_once_their_ids_are_valid() -> None:
    cmd = CreateConsultation("c1", "Plan", "plan",
                             themes=(ThemeSpec("a", "A"), ThemeSpec("a", "")))
    assert _refused(decide_create, Consultation("c1"), cmd) == [
        ("themes.1.title", "required"), ("themes", "duplicate_theme")]
    cmd = CreateConsultation("c1", "Plan", "plan",
                             themes=(ThemeSpec("!", "A"), ThemeSpec("!", "B")))
    assert _refused(decide_create, Consultation("c1"), cmd) == [
        ("themes.0.theme_id", "invalid_id"), ("themes.1.theme_id", "invalid_id")]


def _phase(i: int, start: int, end: int, **kw: object) -> PhaseSpec:
    return PhaseSpec(f"p{i}", str(kw.pop("kind", "information")), str(kw.pop("title", f"P{i}")),
                     NOW + start * DAY, NOW + end * DAY, **kw)  # type: ignore[arg-type]


def test_every_phase_row_reports_its_errors_in_order() -> None:
    phases = [
        _phase(0, 0, 5, title=""),                       # no title
        _phase(1, 8, 6),                                 # ends before it starts
        _phase(2, 9, 12, kind="vote", actions=("vote_support",),
               vote=VoteMethodSpec(support_threshold=0, ranking_max=99)),
        _phase(3, 13, 14, kind="party"),                 # unknown kind
    ]
    assert _refused(validate_phases, phases) == [
        ("phases.0.title", "required"),
        ("phases.1.ends_at", "phase_ends_before_start"),
        ("phases.2.vote.support_threshold", "invalid_threshold"),
        ("phases.2.vote.ranking_max", "invalid_ranking_max"),
        ("phases.3.kind", "invalid_choice"),
    ]


def test_an_overlap_needs_both_phases_dates_valid() -> None:
    # phase 1's dates are refused: phase 2 is not said to overlap it, nor phase 1 phase 0
    phases = [_phase(0, 0, 5), _phase(1, 3, 2), _phase(2, 2, 6, title="")]
    assert _refused(validate_phases, phases) == [
        ("phases.1.ends_at", "phase_ends_before_start"), ("phases.2.title", "required")]
    # valid dates overlapping are still refused, beside another row's error
    phases = [_phase(0, 0, 5, title=""), _phase(1, 4, 8)]
    refused = _refused(validate_phases, phases)
    assert refused == [("phases.0.title", "required"), ("phases.1.starts_at", "phases_overlap")]


def test_a_phase_refused_unnamed_is_said_without_a_title() -> None:
    with pytest.raises(InvalidFields) as err:
        validate_phases([_phase(0, 5, 1, title="")])
    assert [e.message for e in err.value.errors][1] == \
        "La phase sans titre doit se terminer après son début."


def test_an_article_reports_its_fields_together() -> None:
    cmd = WriteArticle("a1", "c1", "", "", kind="essay", summary="s" * 501)
    assert _refused(decide_write_article, Item(), cmd) == [
        ("kind", "invalid_kind"), ("title", "too_short"), ("summary", "too_long"),
        ("body_markdown", "required")]


def test_a_meeting_reports_its_fields_together() -> None:
    cmd = ScheduleMeeting("m1", "c1", "ab", NOW + DAY, NOW, online_url="ftp://x",
                          capacity=0)
    # the link typed, refused: « no place » is not said beside it
    assert _refused(decide_meeting, Meeting(), cmd, update=False) == [
        ("title", "too_short"), ("ends_at", "ends_before_start"),
        ("capacity", "invalid_capacity"), ("online_url", "invalid_url")]
    cmd = ScheduleMeeting("m1", "c1", "Atelier", NOW, NOW + DAY, postcode="99999",
                          latitude=45.0, longitude=4.0)
    # the coordinates are bounded by the postcode's département: not checked without it
    assert _refused(decide_meeting, Meeting(), cmd, update=False) == [
        ("address", "required"), ("postcode", "unknown_postcode")]


def test_a_commission_reports_its_name_and_description_together() -> None:
    from services.consultation.commissions import Commission, decide_create_commission
    from services.consultation.content_commands import CreateCommission
    cmd = CreateCommission("k1", "c1", "ab", "d" * 5001)
    assert _refused(decide_create_commission, Commission(), cmd) == [
        ("name", "too_short"), ("description", "too_long")]


def test_a_commission_member_and_a_report_report_both_fields() -> None:
    from services.consultation.commissions import (
        Commission,
        decide_add_member,
        decide_report,
    )
    from services.consultation.content_commands import (
        AddCommissionMember,
        PublishCommissionReport,
    )
    state = Commission(version=1, consultation_id="c1", name="Commission eau")
    member = AddCommissionMember("k1", "c1", "m1", "", "r" * 201)
    assert _refused(decide_add_member, state, member) == [
        ("display_name", "required"), ("role", "too_long")]
    report = PublishCommissionReport("k1", "c1", "r1", "ab", "")
    assert _refused(decide_report, state, report) == [
        ("title", "too_short"), ("body_markdown", "required")]
