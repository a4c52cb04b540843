"""Who is acting and at which identity level (DESIGN §1), as the entry points tell
the handlers. Handlers never read HTTP headers or sessions: an API or a page
resolves the session into one of these contexts (pseudonymous ids only, never an
e-mail or a name) and puts it in the command; the level rules are the one rule
every service applies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.core.errors import DomainError

LEVELS = ("anonymous", "email", "verified")  # weakest first
LEVEL_LABELS = {"anonymous": "anonyme", "email": "adresse électronique vérifiée",
                "verified": "identité vérifiée"}


def at_least(level: str, required: str) -> bool:
    """Does an identity `level` satisfy what a consultation `required`?"""
    return LEVELS.index(level) >= LEVELS.index(required)


def check_participation(required: str, level: str) -> None:
    """Nothing when `level` satisfies what the consultation `required`; otherwise a
    French `DomainError` saying what to do. An unknown requirement is treated as
    the strictest, and an unknown level satisfies nothing (fail closed)."""
    required = required if required in LEVELS else "verified"
    if level in LEVELS and at_least(level, required):
        return
    advice = ("Connectez-vous avec FranceConnect pour participer." if required == "verified"
              else "Connectez-vous avec votre adresse électronique pour participer.")
    raise DomainError("identity_level_too_low",
                      f"Cette consultation demande le niveau d'identité « "
                      f"{LEVEL_LABELS[required]} ». {advice}", field="identity_level")


def anonymous_allowed(required: str) -> bool:
    """Does this consultation accept anonymous participation?"""
    try:
        check_participation(required, "anonymous")
    except DomainError:
        return False
    return True


PARTICIPANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,99}$")
PROOF_REQUIRED_MESSAGE = ("Cette consultation demande une vérification anti-robot avant de "
                          "participer anonymement : passez par la page « Participer "
                          "anonymement » de la consultation.")


@dataclass(frozen=True, slots=True)
class ParticipantContext:
    participant_id: str
    identity_level: str = "anonymous"
    # Département code of the participant's postcode (from the vault), "" when none:
    # recorded with questionnaire responses for territory statistics, never the postcode.
    territory: str = ""
    # Consultations that ask anonymous participants for an anti-robot proof this
    # session has not made (identity computes it; empty for e-mail or verified).
    unproven: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ModeratorContext:
    moderator_id: str


@dataclass(frozen=True, slots=True)
class AnalystContext:
    analyst_id: str
    # The consultations this analyst may read; None: all of them (the bootstrap admin).
    consultation_ids: frozenset[str] | None

    def may_read(self, consultation_id: str) -> bool:
        return bool(consultation_id) and (self.consultation_ids is None
                                          or consultation_id in self.consultation_ids)


def require_proof(participant: ParticipantContext, consultation_id: str) -> None:
    """Refuse an anonymous session that has not solved this consultation's
    anti-robot challenge (when the organiser turned it on)."""
    if consultation_id and consultation_id in participant.unproven:
        raise DomainError("proof_of_work_required", PROOF_REQUIRED_MESSAGE, field="pow")


def require_level(participant: ParticipantContext, required: str,
                  consultation_id: str = "") -> None:
    """Refuse when the participant's identity level is below the consultation's,
    or when they are anonymous and have not made the consultation's anti-robot
    proof (a session proven elsewhere does not carry over)."""
    require_proof(participant, consultation_id)
    check_participation(required, participant.identity_level)


def check_participant_id(value: str) -> str:
    if not PARTICIPANT_ID.match(value):
        raise DomainError("invalid_participant", "Identifiant de participant invalide.",
                          field="participant_id")
    return value
