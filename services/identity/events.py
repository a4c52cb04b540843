"""Events of the identity service. Only pseudonymous ids and keyed hashes: no
e-mail, pseudonym, postcode or IP ever appears here (DESIGN §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.core.events import DomainEvent
from services.core.upcasting import upcaster


@dataclass(frozen=True, slots=True)
class PseudonymReserved(DomainEvent):
    """Written once on `identity-pseudonym-<pseudonym_key>`: the log's per-stream
    version check keeps pseudonyms unique. The key is a keyed hash of the
    normalised pseudonym, not the pseudonym. v2 names no participant (v1 did):
    the reservation outlives an erasure, and must not lead from a guessed
    pseudonym to what its holder did (ADR 0044)."""

    TYPE = "identity.PseudonymReserved"
    VERSION = 2
    pseudonym_key: str


@upcaster("identity.PseudonymReserved", 1)
def _reservation_names_nobody(data: dict[str, Any]) -> dict[str, Any]:
    data.pop("participant_id", None)
    return data


@dataclass(frozen=True, slots=True)
class ParticipantRegistered(DomainEvent):
    TYPE = "identity.ParticipantRegistered"
    participant_id: str
    method: str  # email | oidc
    level: str  # the level reached at registration: anonymous (e-mail not yet confirmed)


@dataclass(frozen=True, slots=True)
class ProfileChanged(DomainEvent):
    """The participant changed their pseudonym and/or postcode (ADR 0145), or their
    e-mail address once the new one confirmed it (ADR 0145 amended). Which fields,
    never their values: the values are in the vault only."""

    TYPE = "identity.ProfileChanged"
    participant_id: str
    changed: tuple[str, ...]  # pseudonym | postcode, in that order; or email alone


@dataclass(frozen=True, slots=True)
class IdentityLevelRaised(DomainEvent):
    TYPE = "identity.IdentityLevelRaised"
    participant_id: str
    level: str  # email | verified
    method: str  # magic_link | oidc


@dataclass(frozen=True, slots=True)
class ParticipantSignedIn(DomainEvent):
    TYPE = "identity.ParticipantSignedIn"
    participant_id: str
    method: str  # magic_link | oidc


@dataclass(frozen=True, slots=True)
class RoleGranted(DomainEvent):
    TYPE = "identity.RoleGranted"
    participant_id: str
    consultation_id: str
    role: str


@dataclass(frozen=True, slots=True)
class RoleRevoked(DomainEvent):
    TYPE = "identity.RoleRevoked"
    participant_id: str
    consultation_id: str
    role: str


@dataclass(frozen=True, slots=True)
class AnonymousProofOfWorkSet(DomainEvent):
    """On `identity-consultation-<id>`: anonymous actions in that consultation
    need (or no longer need) a solved proof-of-work challenge."""

    TYPE = "identity.AnonymousProofOfWorkSet"
    consultation_id: str
    required: bool


@dataclass(frozen=True, slots=True)
class ParticipantErased(DomainEvent):
    """The vault key is destroyed; the id stays as an anonymous participant's."""

    TYPE = "identity.ParticipantErased"
    participant_id: str


@dataclass(frozen=True, slots=True)
class SessionsRevoked(DomainEvent):
    """On `identity-sessions-<subject>`: every session `subject` holds now ends
    (logout); a session cookie issued before no longer opens anything (ADR 0041).
    `subject`: a participant id, or `admin:<user>` for the settings-configured admin."""

    TYPE = "identity.SessionsRevoked"
    subject: str
    reason: str  # logout
