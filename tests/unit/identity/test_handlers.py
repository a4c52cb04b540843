"""Registration through the handlers over memory fakes: bad input stores nothing."""

from __future__ import annotations

import pytest

from services.core.envelope import Actor
from services.core.errors import DomainError
from services.core.events import Meta
from services.identity.commands import (
    ChangeEmail,
    ChangeProfile,
    EraseParticipant,
    GrantRole,
    RecordProfileChange,
    RegisterParticipant,
    RevokeRole,
)
from services.identity.model import new_participant_id
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.settings import Settings

META = Meta(actor=Actor(id="system", role="system"))


@pytest.fixture
async def container() -> Container:
    c = bootstrap(Settings(event_log="memory", read_store="memory"))
    await c.start()
    return c


async def events(c: Container) -> list[str]:
    return [r.event.type for r in await c.log.read("identity.events")]


def register(**fields: str) -> RegisterParticipant:
    values = {"email": "aline@exemple.fr", "pseudonym": "Aline", "postcode": "69001", **fields}
    return RegisterParticipant(participant_id=new_participant_id(), **values)


async def test_registration_and_profile_change_write_ids_only(container: Container) -> None:
    pid = await container.handle(register(), META)
    recs = await container.log.read("identity.events")
    assert [r.event.type for r in recs] == ["identity.PseudonymReserved",
                                            "identity.ParticipantRegistered"]
    changed = await container.handle(ChangeProfile(pid, "Bérénice Vautrin", "13001"), META)
    await container.handle(RecordProfileChange(pid, changed), META)
    recs = await container.log.read("identity.events")
    assert [r.event.type for r in recs][2:] == ["identity.PseudonymReserved",
                                                "identity.ProfileChanged"]
    vault = container.ports["vault"]
    assert (await vault.profile(pid))["email"] == "aline@exemple.fr"  # type: ignore[attr-defined]
    # a new e-mail address (ADR 0145 amended): its record names the field only
    changed = await container.handle(ChangeEmail(pid, "quentin.xavier@nouvelle.fr"), META)
    await container.handle(RecordProfileChange(pid, changed), META)
    recs = await container.log.read("identity.events")
    assert [r.event.type for r in recs][-1] == "identity.ProfileChanged"
    raw = b"".join(r.event.to_json() for r in recs)
    for value in (b"aline", b"69001", "bérénice".encode(), b"berenice", b"vautrin", b"13001",
                  b"quentin", b"nouvelle", b"exemple", b"@"):
        assert value not in raw.lower()


@pytest.mark.parametrize(("fields", "code"), [
    ({"email": "pas-une-adresse"}, "invalid_email"),
    ({"pseudonym": "connard"}, "offensive_pseudonym"),
    ({"postcode": "00000"}, "unknown_postcode"),
])
async def test_bad_input_stores_nothing(container: Container, fields: dict[str, str],
                                        code: str) -> None:
    with pytest.raises(DomainError) as err:
        await container.handle(register(**fields), META)
    assert err.value.code == code
    assert await events(container) == []
    assert await container.ports["vault"].find("email", "aline@exemple.fr") is None  # type: ignore[attr-defined]


async def test_taken_pseudonym_and_email_are_refused_and_store_nothing(
        container: Container) -> None:
    await container.handle(register(), META)
    with pytest.raises(DomainError) as err:
        await container.handle(register(email="autre@exemple.fr", pseudonym="ALINE"), META)
    assert err.value.code == "pseudonym_taken"
    with pytest.raises(DomainError) as err:
        await container.handle(register(pseudonym="Aline2", email="ALINE@exemple.fr"), META)
    assert err.value.code == "email_taken"
    assert len(await events(container)) == 2
    assert await container.ports["vault"].find("email", "autre@exemple.fr") is None  # type: ignore[attr-defined]


async def test_roles_need_a_known_participant_and_role(container: Container) -> None:
    pid = await container.handle(register(), META)
    with pytest.raises(DomainError):
        await container.handle(GrantRole(pid, "c-1", "emperor"), META)
    with pytest.raises(DomainError):
        await container.handle(GrantRole(new_participant_id(), "c-1", "moderator"), META)
    await container.handle(GrantRole(pid, "c-1", "moderator"), META)
    assert (await events(container))[-1] == "identity.RoleGranted"


async def test_granting_or_revoking_twice_writes_one_event(container: Container) -> None:
    pid = await container.handle(register(), META)
    for _ in range(2):
        await container.handle(GrantRole(pid, "c-1", "moderator"), META)
    await container.handle(GrantRole(pid, "c-2", "moderator"), META)  # another consultation
    for _ in range(2):
        await container.handle(RevokeRole(pid, "c-1", "moderator"), META)
    await container.handle(RevokeRole(pid, "c-1", "analyst"), META)  # never held
    await container.handle(GrantRole(pid, "c-1", "moderator"), META)  # granted again

    assert (await events(container))[2:] == ["identity.RoleGranted", "identity.RoleGranted",
                                              "identity.RoleRevoked", "identity.RoleGranted"]


async def test_erasure_destroys_the_profile(container: Container) -> None:
    pid = await container.handle(register(), META)
    await container.handle(EraseParticipant(pid), META)
    assert await container.ports["vault"].profile(pid) is None  # type: ignore[attr-defined]
    assert (await events(container))[-1] == "identity.ParticipantErased"


async def test_only_the_platform_admin_grants_or_withdraws_administration(
        container: Container) -> None:
    """A RevokeRole of `admin` by an organiser was written (only the grant was
    refused, and outside the decision)."""
    pid = await container.handle(register(), META)
    organiser = Meta(actor=Actor(id="p-org", role="organiser"))
    admin = Meta(actor=Actor(id="orga", role="admin"))
    with pytest.raises(DomainError) as refused:
        await container.handle(GrantRole(pid, "c-1", "admin"), organiser)
    assert refused.value.code == "admin_role_reserved"
    await container.handle(GrantRole(pid, "c-1", "admin"), admin)
    with pytest.raises(DomainError) as refused:
        await container.handle(RevokeRole(pid, "c-1", "admin"), organiser)
    assert refused.value.code == "admin_role_reserved"
    await container.handle(GrantRole(pid, "c-1", "moderator"), organiser)
    await container.handle(RevokeRole(pid, "c-1", "admin"), admin)
    assert (await events(container))[-3:] == ["identity.RoleGranted", "identity.RoleGranted",
                                              "identity.RoleRevoked"]
