"""May this participant take part? The one rule other services call with the
consultation's required identity level and the participant's own level."""

from __future__ import annotations

from services.core.errors import DomainError
from services.identity.model import LEVELS, at_least

LEVEL_LABELS = {"anonymous": "anonyme", "email": "adresse électronique vérifiée",
                "verified": "identité vérifiée"}


def check_participation(required: str, level: str) -> None:
    """Nothing when `level` satisfies what the consultation `required`; otherwise a
    French `DomainError` saying what to do. An unknown requirement is treated as
    the strictest (fail closed)."""
    required = required if required in LEVELS else "verified"
    level = level if level in LEVELS else "anonymous"
    if at_least(level, required):
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
