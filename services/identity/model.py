"""Pure rules of the identity service: validation of what a person types (French
messages), identity levels, roles. No I/O here."""

from __future__ import annotations

import re

from services.core.errors import DomainError
from services.core.values import fold
from services.identity.lexicon import is_offensive
from services.territory import lookup_postcode

ROLES = ("participant", "moderator", "organiser", "analyst", "admin")
PARTICIPANT_ID = re.compile(r"^p-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Deliberately simple: one @, a dotted domain, no spaces. Deliverability is what
# the magic link proves.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PSEUDONYM = re.compile(r"^[\w][\w .'-]*[\w.]$")
# What `_PSEUDONYM` accepts, as the registration form and its refusal say it
# (\w is letters, digits and the underscore: kept, accounts may use it).
PSEUDONYM_CHARACTERS = ("lettres, chiffres, espaces, points, traits d'union (-), "
                        "tirets bas (_) et apostrophes")
EMAIL_MAX = 254
PSEUDONYM_MIN, PSEUDONYM_MAX = 3, 30


def new_participant_id() -> str:
    from services.core.ids import new_id

    return f"p-{new_id()}"


def normalise_email(raw: str) -> str:
    email = raw.strip()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise DomainError("invalid_email",
                          "L'adresse électronique n'est pas valide (exemple : nom@exemple.fr).",
                          field="email")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def email_lookup_value(email: str) -> str:
    """What the e-mail lookup hashes: case-insensitive, as people type it."""
    return email.casefold()


def normalise_pseudonym(raw: str) -> str:
    pseudonym = " ".join(raw.split())
    if not PSEUDONYM_MIN <= len(pseudonym) <= PSEUDONYM_MAX or not _PSEUDONYM.match(pseudonym):
        raise DomainError("invalid_pseudonym",
                          f"Le pseudonyme doit compter de {PSEUDONYM_MIN} à {PSEUDONYM_MAX} "
                          f"caractères : {PSEUDONYM_CHARACTERS}, sans commencer par un point, "
                          "un trait d'union ou une apostrophe, ni finir par un trait d'union "
                          "ou une apostrophe.", field="pseudonym")
    if is_offensive(pseudonym):
        raise DomainError("offensive_pseudonym",
                          "Ce pseudonyme n'est pas accepté. Choisissez-en un autre.",
                          field="pseudonym")
    return pseudonym


def pseudonym_lookup_value(pseudonym: str) -> str:
    """"Élodie  B" and "elodie b" are the same pseudonym."""
    return " ".join(fold(pseudonym).split())


def check_postcode(raw: str) -> str:
    """'' when none given; a known French postcode otherwise."""
    if not raw.strip():
        return ""
    return lookup_postcode(raw, field="postcode").postcode


def check_participant_id(participant_id: str) -> None:
    if not PARTICIPANT_ID.match(participant_id):
        raise DomainError("invalid_participant", "Identifiant de participant invalide.")


def check_role(role: str) -> None:
    if role not in ROLES:
        raise DomainError("invalid_role", "Rôle inconnu.", field="role")


# Granted and withdrawn by the platform's admin only (or the system itself): an
# organiser manages their team, not who administers the consultation.
PLATFORM_ROLES = frozenset({"admin"})
PLATFORM_ACTORS = frozenset({"admin", "system"})
ADMIN_ONLY = DomainError("admin_role_reserved",
                         "Seule l'administration de la plateforme attribue ou retire ce rôle.",
                         field="role")


def check_role_change(role: str, actor_role: str) -> None:
    """May an actor of `actor_role` grant or withdraw `role`?"""
    check_role(role)
    if role in PLATFORM_ROLES and actor_role not in PLATFORM_ACTORS:
        raise ADMIN_ONLY()
