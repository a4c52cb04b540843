"""Commands of the identity service. Clear personal values travel in commands
(in memory, never logged) and stop at the vault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegisterParticipant:
    participant_id: str
    email: str
    pseudonym: str
    postcode: str = ""
    method: str = "email"  # email | oidc
    verified_subject: str = ""  # OIDC `sub` (kept in the vault) when method == "oidc"


@dataclass(frozen=True, slots=True)
class ChangeProfile:
    """« Modifier mon profil »: the pseudonym and postcode as the person typed them
    (the postcode may be empty). In clear: run where it arrives, never routed
    (services/identity/service.py, ADR 0145)."""

    participant_id: str
    pseudonym: str
    postcode: str = ""


@dataclass(frozen=True, slots=True)
class ChangeEmail:
    """A participant's new e-mail address, once the link sent to it was used (ADR
    0145 amended). In clear: run where it arrives, never routed (as ChangeProfile)."""

    participant_id: str
    email: str


@dataclass(frozen=True, slots=True)
class RecordProfileChange:
    """What `ChangeProfile` or `ChangeEmail` changed, as field names only
    (`pseudonym`, `postcode`, `email`):
    routed to the participant stream's writer, which records it."""

    participant_id: str
    changed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RaiseIdentityLevel:
    participant_id: str
    level: str  # email | verified
    method: str  # magic_link | oidc


@dataclass(frozen=True, slots=True)
class RecordSignIn:
    """A login: what the inactive-account retention counts from."""

    participant_id: str
    method: str  # magic_link | oidc


@dataclass(frozen=True, slots=True)
class GrantRole:
    participant_id: str
    consultation_id: str
    role: str


@dataclass(frozen=True, slots=True)
class RevokeRole:
    participant_id: str
    consultation_id: str
    role: str


@dataclass(frozen=True, slots=True)
class SetAnonymousProofOfWork:
    """Turns on (or off) the proof-of-work challenge for anonymous actions in a
    consultation (a back-office toggle)."""

    consultation_id: str
    required: bool


@dataclass(frozen=True, slots=True)
class EraseParticipant:
    participant_id: str


@dataclass(frozen=True, slots=True)
class RevokeSessions:
    """Ends every session of `subject` (a participant id or `admin:<user>`)."""

    subject: str
    reason: str = "logout"
