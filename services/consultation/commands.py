"""Commands the consultation service accepts (imperative names).

Ids are chosen by the caller (`services.core.ids.new_id()`), so a retried command
targets the same aggregate. Datetimes must be timezone-aware.
Commands for questionnaires, content, meetings and commissions live in
`content_commands.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    theme_id: str
    title: str


@dataclass(frozen=True, slots=True)
class VoteMethodSpec:
    """How a vote phase votes (its kinds are its `actions`: vote_support,
    vote_agree, vote_ranking). `sources`: the deposit phases whose items it puts
    to the vote (empty: every published item of the consultation);
    `identity_level` "" is the consultation's."""

    sources: tuple[str, ...] = ()
    support_threshold: int = 100
    qualifications: tuple[str, ...] = ("coup_de_coeur", "realiste", "impossible",
                                       "prioritaire", "a_preciser")
    ranking_max: int = 5
    identity_level: str = ""


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    """One dated phase. `actions=None` opens the kind's default actions
    (see `services.consultation.phases.DEFAULT_ACTIONS`); `vote` is a vote
    phase's method (None: the defaults of `VoteMethodSpec`)."""

    phase_id: str
    kind: str  # information | deposit | questionnaire | vote | debate | synthesis | follow_up
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    actions: tuple[str, ...] | None = None
    vote: VoteMethodSpec | None = None


@dataclass(frozen=True, slots=True)
class CreateConsultation:
    consultation_id: str
    title: str
    slug: str
    summary: str = ""
    organiser: str = ""
    identity_level: str = "anonymous"  # anonymous | email | verified
    moderation: str = "post"  # pre | post
    themes: tuple[ThemeSpec, ...] = ()
    territories: tuple[str, ...] = ()  # "FR", région codes "R84", département codes "69"


@dataclass(frozen=True, slots=True)
class UpdateConsultation:
    """Replaces every editable field (the slug is permanent: links must not break)."""

    consultation_id: str
    title: str
    summary: str = ""
    organiser: str = ""
    identity_level: str = "anonymous"
    moderation: str = "post"
    themes: tuple[ThemeSpec, ...] = ()
    territories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SchedulePhases:
    """Replaces the whole ordered list of phases."""

    consultation_id: str
    phases: tuple[PhaseSpec, ...]


@dataclass(frozen=True, slots=True)
class PublishConsultation:
    consultation_id: str


@dataclass(frozen=True, slots=True)
class UnpublishConsultation:
    consultation_id: str

