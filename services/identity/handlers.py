"""Command handlers of the identity service: validate, write the vault, append.
Ports only, as keyword arguments: `log`, `clock`, `meta`, `vault`, `store`,
`outbox`. Refusals are `DomainError`s with a French message and a field."""

from __future__ import annotations

from services.core.clock import Clock
from services.core.envelope import Actor, Envelope
from services.core.errors import ConcurrencyConflict, DomainError, Refusals
from services.core.events import DomainEvent, Meta
from services.core.participants import at_least
from services.eventlog.port import EventLog, append_at
from services.identity import model
from services.identity.commands import (
    ChangeEmail,
    ChangeProfile,
    EraseParticipant,
    GrantRole,
    RaiseIdentityLevel,
    RecordProfileChange,
    RecordSignIn,
    RegisterParticipant,
    RevokeRole,
    RevokeSessions,
    SetAnonymousProofOfWork,
)
from services.identity.events import (
    AnonymousProofOfWorkSet,
    IdentityLevelRaised,
    ParticipantErased,
    ParticipantRegistered,
    ParticipantSignedIn,
    ProfileChanged,
    PseudonymReserved,
    RoleGranted,
    RoleRevoked,
    SessionsRevoked,
)
from services.identity.ports import OutboxStore
from services.identity.streams import (
    consultation_settings_stream,
    participant_stream,
    pseudonym_stream,
    sessions_stream,
)
from services.identity.vault import LookupTaken, NoProfile, Vault

EMAIL_TAKEN = DomainError("email_taken", "Un compte existe déjà avec cette adresse "
                          "électronique : utilisez « Se connecter ».", field="email")
# Whose pseudonym it is is never said, not even to who types the right address:
# that would tell an address's pseudonym to anyone trying pseudonyms with it. So
# the message points someone who forgot their account to « Se connecter ».
PSEUDONYM_TAKEN = DomainError("pseudonym_taken", "Ce pseudonyme est déjà pris. "
                              "Choisissez-en un autre ; si c'est le vôtre, vous avez déjà "
                              "un compte : utilisez « Se connecter ».", field="pseudonym")


async def register_participant(cmd: RegisterParticipant, *, log: EventLog, clock: Clock,
                               meta: Meta, vault: Vault) -> str:
    """The vault first (it keeps e-mails unique), then the log (it keeps pseudonyms
    unique, by the reservation stream); a refusal by the log erases the vault row,
    so a refused registration stores nothing."""
    pid = cmd.participant_id
    model.check_participant_id(pid)
    email = model.normalise_email(cmd.email)
    pseudonym = model.normalise_pseudonym(cmd.pseudonym)
    postcode = model.check_postcode(cmd.postcode)
    pkey = vault.blind_index("pseudonym", model.pseudonym_lookup_value(pseudonym))
    if await log.stream_version(pseudonym_stream(pkey)) > 0:
        raise PSEUDONYM_TAKEN()
    # the pseudonym is indexed too, so the team page can find whom to grant a role
    lookups = {"email": model.email_lookup_value(email),
               "pseudonym": model.pseudonym_lookup_value(pseudonym)}
    if cmd.verified_subject:
        lookups["oidc"] = cmd.verified_subject
    try:
        await vault.store_profile(pid, {"email": email, "pseudonym": pseudonym,
                                        "postcode": postcode}, lookups=lookups)
    except LookupTaken as taken:
        raise (PSEUDONYM_TAKEN if taken.purpose == "pseudonym" else EMAIL_TAKEN)() from None
    level = "verified" if cmd.method == "oidc" else "anonymous"
    try:
        await append_at(log, clock=clock, meta=_reservation_meta(), writes=[
            (pseudonym_stream(pkey), 0, [PseudonymReserved(pkey)])])
    except ConcurrencyConflict:
        await vault.erase(pid)
        raise PSEUDONYM_TAKEN() from None
    except BaseException:
        await vault.erase(pid)
        raise
    try:
        await append_at(log, clock=clock, meta=meta, writes=[
            (participant_stream(pid), 0, [ParticipantRegistered(pid, cmd.method, level)])])
    except BaseException:  # the pseudonym stays reserved, by nobody (ADR 0044)
        await vault.erase(pid)
        raise
    return pid


# On the profile page: whoever types a pseudonym is signed in already, and a
# pseudonym they left is as reserved as anyone else's (ADR 0145).
PSEUDONYM_NOT_FREE = DomainError("pseudonym_taken", "Ce pseudonyme est déjà pris : "
                                 "choisissez-en un autre. Un pseudonyme quitté reste réservé, "
                                 "même pour qui l'a porté.", field="pseudonym")
NO_ACCOUNT = DomainError("no_account", "Modifier un profil demande un compte : une session "
                         "anonyme n'a ni pseudonyme ni code postal enregistrés.")
PROFILE_FIELDS = ("pseudonym", "postcode")
RECORDED_FIELDS = (*PROFILE_FIELDS, "email")  # what `identity.ProfileChanged` may name


async def change_profile(cmd: ChangeProfile, *, log: EventLog, clock: Clock, meta: Meta,
                         vault: Vault) -> tuple[str, ...]:
    """A registered participant's new pseudonym and postcode (ADR 0145), checked as
    at registration and all refusals together; returns the fields that changed
    (none: nothing written). A new pseudonym is reserved first (its stream, as at
    registration); the one left keeps its reservation, by nobody. Then the vault,
    whose lookups keep pseudonyms unique where the log cannot (Kafka). What
    changed is recorded by `record_profile_change`, on the participant's stream.
    `meta` is unused: the reservation is the system's, linking nobody (ADR 0044)."""
    del meta
    pid = cmd.participant_id
    model.check_participant_id(pid)
    profile = await vault.profile(pid)
    if profile is None:
        raise NO_ACCOUNT()
    old_lookup = model.pseudonym_lookup_value(str(profile.get("pseudonym") or ""))
    with Refusals() as refused:
        pseudonym = refused.check(model.normalise_pseudonym, cmd.pseudonym)
        lookup = model.pseudonym_lookup_value(pseudonym or "")
        pkey = vault.blind_index("pseudonym", lookup)
        moved = pseudonym is not None and lookup != old_lookup
        if moved and await log.stream_version(pseudonym_stream(pkey)) > 0:
            refused.add(PSEUDONYM_NOT_FREE())
        postcode = refused.check(model.check_postcode, cmd.postcode)
    assert pseudonym is not None and postcode is not None  # else refused above
    new = {"pseudonym": pseudonym, "postcode": postcode}
    changed = tuple(f for f in PROFILE_FIELDS if new[f] != (profile.get(f) or ""))
    if not changed:
        return ()
    if moved:
        try:
            await append_at(log, clock=clock, meta=_reservation_meta(), writes=[
                (pseudonym_stream(pkey), 0, [PseudonymReserved(pkey)])])
        except ConcurrencyConflict:
            raise PSEUDONYM_NOT_FREE() from None
    try:
        await vault.replace_profile(pid, {**profile, **new}, lookups={"pseudonym": lookup})
    except LookupTaken:  # its reservation stays, by nobody (as at registration)
        raise PSEUDONYM_NOT_FREE() from None
    except NoProfile:  # erased meanwhile
        raise NO_ACCOUNT() from None
    return changed


async def change_email(cmd: ChangeEmail, *, vault: Vault, meta: Meta) -> tuple[str, ...]:
    """The address a confirmed link carried (ADR 0145 amended) in place of the
    participant's: the vault's e-mail lookup moves with it, so the old address no
    longer signs in and the new one does; its other lookups stay. `("email",)`,
    or none when it was the address already. `LookupTaken`: another account took
    it since the link was sent (`EMAIL_TAKEN`); an erased participant has none."""
    del meta
    pid = cmd.participant_id
    model.check_participant_id(pid)
    email = model.normalise_email(cmd.email)
    profile = await vault.profile(pid)
    if profile is None:
        raise NO_ACCOUNT()
    if email == profile.get("email"):
        return ()
    try:
        await vault.replace_profile(pid, {**profile, "email": email},
                                    lookups={"email": model.email_lookup_value(email)})
    except LookupTaken:
        raise EMAIL_TAKEN() from None
    except NoProfile:  # erased meanwhile
        raise NO_ACCOUNT() from None
    return ("email",)


async def record_profile_change(cmd: RecordProfileChange, *, log: EventLog, clock: Clock,
                                meta: Meta) -> None:
    """Which fields `change_profile` changed, on the participant's stream (field
    names only: the values are the vault's)."""
    changed = tuple(f for f in RECORDED_FIELDS if f in cmd.changed)
    if not changed or len(changed) != len(cmd.changed):
        raise DomainError("invalid_profile_change", "Modification de profil inconnue.")
    await _append_to_participant(log, clock, meta, cmd.participant_id,
                                 ProfileChanged(cmd.participant_id, changed))


def level_of(history: list[Envelope]) -> str:
    """A participant's identity level folded from their stream; an erased one is
    anonymous (as `queries.identity_level` answers)."""
    level = "anonymous"
    for event in history:
        raised = event.type == IdentityLevelRaised.TYPE and at_least(event.data["level"], level)
        if event.type == ParticipantRegistered.TYPE or raised:
            level = str(event.data["level"])
        elif event.type == ParticipantErased.TYPE:
            level = "anonymous"
    return level


def _reservation_meta() -> Meta:
    """The pseudonym's reservation is written by the system, in a request of its
    own: neither its actor nor its correlation id leads to the participant, so a
    reservation kept after an erasure links nobody (ADR 0044)."""
    return Meta(actor=Actor("identity", "system"))


async def raise_identity_level(cmd: RaiseIdentityLevel, *, log: EventLog, clock: Clock,
                               meta: Meta) -> None:
    """No-op when the participant already has that level or better: read from their
    stream (ADR 0030), not the read model, which a sign-in just after the
    registration may find without it."""
    model.check_participant_id(cmd.participant_id)
    if at_least(level_of(await log.read_stream(participant_stream(cmd.participant_id))),
                cmd.level):
        return
    await _append_to_participant(
        log, clock, meta, cmd.participant_id,
        IdentityLevelRaised(cmd.participant_id, cmd.level, cmd.method))


async def record_sign_in(cmd: RecordSignIn, *, log: EventLog, clock: Clock,
                         meta: Meta) -> None:
    await _append_to_participant(log, clock, meta, cmd.participant_id,
                                 ParticipantSignedIn(cmd.participant_id, cmd.method))


def roles_of(history: list[Envelope]) -> set[tuple[str, str]]:
    """The (consultation, role) pairs a participant holds, folded from their stream."""
    held: set[tuple[str, str]] = set()
    for event in history:
        if event.type in (RoleGranted.TYPE, RoleRevoked.TYPE):
            pair = (str(event.data["consultation_id"]), str(event.data["role"]))
            if event.type == RoleGranted.TYPE:
                held.add(pair)
            else:
                held.discard(pair)
    return held


async def grant_role(cmd: GrantRole, *, log: EventLog, clock: Clock, meta: Meta) -> None:
    """No-op when the participant already holds the role (decided on their stream:
    granting twice, from two tabs or two fronts, writes one grant)."""
    await _change_role(log, clock, meta, cmd.participant_id, cmd.consultation_id, cmd.role,
                       grant=True)


async def revoke_role(cmd: RevokeRole, *, log: EventLog, clock: Clock, meta: Meta) -> None:
    """No-op when the participant does not hold the role."""
    await _change_role(log, clock, meta, cmd.participant_id, cmd.consultation_id, cmd.role,
                       grant=False)


async def _change_role(log: EventLog, clock: Clock, meta: Meta, pid: str, consultation_id: str,
                       role: str, *, grant: bool) -> None:
    model.check_role_change(role, meta.actor.role)
    model.check_participant_id(pid)
    stream = participant_stream(pid)
    event = (RoleGranted(pid, consultation_id, role) if grant
             else RoleRevoked(pid, consultation_id, role))
    for attempt in range(ROLE_ATTEMPTS):
        history = await log.read_stream(stream)
        if not history:
            raise _unknown_participant()
        if ((consultation_id, role) in roles_of(history)) == grant:
            return
        try:
            await append_at(log, clock=clock, meta=meta, consultation_id=consultation_id,
                            writes=[(stream, history[-1].stream_version, [event])])
            return
        except ConcurrencyConflict:  # the stream moved (the same grant from another tab?)
            if attempt == ROLE_ATTEMPTS - 1:
                raise


ROLE_ATTEMPTS = 3


def _unknown_participant() -> DomainError:
    return DomainError("unknown_participant", "Ce participant n'existe pas.",
                       field="participant")


async def set_anonymous_proof_of_work(cmd: SetAnonymousProofOfWork, *, log: EventLog,
                                      clock: Clock, meta: Meta) -> None:
    if not cmd.consultation_id or len(cmd.consultation_id) > 100:
        raise DomainError("invalid_consultation", "Consultation inconnue.",
                          field="consultation_id")
    stream = consultation_settings_stream(cmd.consultation_id)
    await append_at(log, clock=clock, meta=meta, consultation_id=cmd.consultation_id, writes=[
        (stream, await log.stream_version(stream),
         [AnonymousProofOfWorkSet(cmd.consultation_id, cmd.required)])])


SUBJECT_MAX = 120


async def revoke_sessions(cmd: RevokeSessions, *, log: EventLog, clock: Clock,
                          meta: Meta) -> None:
    if not cmd.subject or len(cmd.subject) > SUBJECT_MAX:
        raise DomainError("invalid_subject", "Session inconnue.", field="subject")
    stream = sessions_stream(cmd.subject)
    await append_at(log, clock=clock, meta=meta, writes=[
        (stream, await log.stream_version(stream), [SessionsRevoked(cmd.subject, cmd.reason)])])


async def erase_participant(cmd: EraseParticipant, *, log: EventLog, clock: Clock,
                            meta: Meta, vault: Vault, outbox: OutboxStore) -> None:
    """Shred first: if the event cannot be written the person is erased anyway,
    and a retry only appends the event."""
    await vault.erase(cmd.participant_id)
    await outbox.delete_person(cmd.participant_id)
    await _append_to_participant(log, clock, meta, cmd.participant_id,
                                 ParticipantErased(cmd.participant_id))


async def _append_to_participant(log: EventLog, clock: Clock, meta: Meta, pid: str,
                                 event: DomainEvent, *, consultation_id: str | None = None) -> None:
    model.check_participant_id(pid)
    stream = participant_stream(pid)
    version = await log.stream_version(stream)
    if version == 0:
        raise _unknown_participant()
    await append_at(log, clock=clock, meta=meta, consultation_id=consultation_id,
                 writes=[(stream, version, [event])])
