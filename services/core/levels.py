"""Identity levels (DESIGN §1): what a consultation requires and what a
participant has reached. The one rule every service applies."""

from __future__ import annotations

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
