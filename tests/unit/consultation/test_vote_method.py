"""A vote phase's method (ADR 0062), validated with the schedule: sources among
the deposit phases before it, a threshold, qualifications, a ranking length and an
identity level, refused in French on the field; and what a phase scheduled before
methods existed stands for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.consultation.commands import PhaseSpec, VoteMethodSpec
from services.consultation.phases import (
    deposited_in,
    source_windows,
    validate_phases,
    vote_method,
)
from services.core.errors import DomainError

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def schedule(method: VoteMethodSpec | None,
             actions: tuple[str, ...] | None = ("vote_agree",)) -> tuple[PhaseSpec, ...]:
    return (PhaseSpec("irritants", "deposit", "Dépôt des irritants", NOW, NOW + DAY),
            PhaseSpec("vote", "vote", "Vote", NOW + DAY, NOW + 2 * DAY, actions=actions,
                      vote=method),
            PhaseSpec("solutions", "deposit", "Dépôt des solutions", NOW + 2 * DAY,
                      NOW + 3 * DAY))


def test_a_vote_phase_keeps_its_method_in_the_event_data() -> None:
    method = VoteMethodSpec(sources=("irritants",), support_threshold=12,
                            qualifications=("prioritaire", "coup_de_coeur"), ranking_max=3,
                            identity_level="email")
    phases = validate_phases(schedule(method, ("vote_agree", "vote_ranking")))
    assert phases[1]["actions"] == ["vote_agree", "vote_ranking"]
    assert phases[1]["vote"] == {"sources": ["irritants"], "support_threshold": 12,
                                 "qualifications": ["coup_de_coeur", "prioritaire"],
                                 "ranking_max": 3, "identity_level": "email"}
    assert "vote" not in phases[0] and "vote" not in phases[2]


def test_a_vote_phase_without_a_method_gets_the_defaults_written() -> None:
    vote = validate_phases(schedule(None))[1]["vote"]
    assert vote == {"sources": [], "support_threshold": 100,
                    "qualifications": ["coup_de_coeur", "realiste", "impossible",
                                       "prioritaire", "a_preciser"],
                    "ranking_max": 5, "identity_level": ""}


@pytest.mark.parametrize(("method", "actions", "field", "words"), [
    (VoteMethodSpec(sources=("solutions",)), ("vote_agree",), "phases.1.vote.sources.0",
     "phase de dépôt qui la précède"),
    (VoteMethodSpec(sources=("vote",)), ("vote_agree",), "phases.1.vote.sources.0",
     "phase de dépôt qui la précède"),
    (VoteMethodSpec(support_threshold=0), ("vote_support",),
     "phases.1.vote.support_threshold", "seuil de soutiens"),
    (VoteMethodSpec(qualifications=("génial",)), ("vote_agree",),
     "phases.1.vote.qualifications.0", "qualification"),
    (VoteMethodSpec(ranking_max=21), ("vote_ranking",), "phases.1.vote.ranking_max",
     "entre 1 et 20"),
    (VoteMethodSpec(identity_level="passeport"), ("vote_agree",),
     "phases.1.vote.identity_level", "niveau d'identité"),
    (None, ("comment",), "phases.1.actions", "au moins une façon de voter"),
])
def test_a_bad_method_is_refused_in_french_on_its_field(
        method: VoteMethodSpec | None, actions: tuple[str, ...], field: str,
        words: str) -> None:
    with pytest.raises(DomainError) as refused:
        validate_phases(schedule(method, actions))
    assert refused.value.field == field
    assert words in refused.value.message


def test_a_phase_scheduled_before_methods_stands_for_every_item() -> None:
    old = {"phase_id": "vote", "kind": "vote", "title": "Vote", "description": "",
           "starts_at": "2026-12-02T09:00:00Z", "ends_at": "2026-12-03T09:00:00Z",
           "actions": ["vote_support"]}
    assert vote_method(old)["sources"] == [] and vote_method(old)["identity_level"] == ""
    assert source_windows(old, [old]) is None
    assert deposited_in("2020-01-01T00:00:00Z", None)


def test_items_belong_to_the_deposit_phase_they_were_submitted_in() -> None:
    phases = validate_phases(schedule(VoteMethodSpec(sources=("irritants",))))
    windows = source_windows(phases[1], phases)
    assert deposited_in("2026-12-01T09:00:00Z", windows)  # at the opening
    assert deposited_in("2026-12-02T08:59:59Z", windows)
    assert not deposited_in("2026-12-02T09:00:00Z", windows)  # the end is excluded
    assert not deposited_in("2026-12-03T10:00:00Z", windows)  # a solution
