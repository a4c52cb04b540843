"""Who is contributing, as the API layer tells the handlers.

Handlers never read HTTP headers or sessions: the API builds a
`ParticipantContext` (pseudonymous id + identity level) through a FastAPI
dependency and puts it in the command. Until the identity service is wired in,
the default dependency refuses (401); tests override it (see
`header_participant`, for tests only: a header can be forged by anyone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from services.core.errors import DomainError

LEVELS = ("anonymous", "email", "verified")  # weakest first
LEVEL_LABELS = {"anonymous": "anonyme", "email": "courriel vérifié",
                "verified": "identité vérifiée"}
# Opaque pseudonymous ids only: never an e-mail or a name in events.
# `app.state` attribute of the identity service's "participant id -> département of
# their postcode" lookup (the postcode itself stays in the vault).
TERRITORY_PROVIDER = "parlons_territory_provider"
PARTICIPANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,99}$")


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


PROOF_REQUIRED_MESSAGE = ("Cette consultation demande une vérification anti-robot avant de "
                          "participer anonymement : passez par la page « Participer "
                          "anonymement » de la consultation.")


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
    have = LEVELS.index(participant.identity_level) if participant.identity_level in LEVELS else -1
    if have < LEVELS.index(required if required in LEVELS else "verified"):
        raise DomainError(
            "identity_level_too_low",
            "Cette consultation demande un niveau d'identité « "
            f"{LEVEL_LABELS.get(required, required)} » pour contribuer.",
            field="identity_level")


def check_participant_id(value: str) -> str:
    if not PARTICIPANT_ID.match(value):
        raise DomainError("invalid_participant", "Identifiant de participant invalide.",
                          field="participant_id")
    return value


async def with_territory(app_state: Any, who: ParticipantContext) -> ParticipantContext:
    """The participant with the département of their postcode, recorded with a
    questionnaire response for territory statistics (ADR 0025); unchanged when
    no identity service is installed (a service alone, tests)."""
    territory_of = getattr(app_state, TERRITORY_PROVIDER, None)
    if territory_of is None:
        return who
    return replace(who, territory=str(await territory_of(who.participant_id)))
