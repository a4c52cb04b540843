"""« Modifier mon profil » through the handlers over memory fakes (ADR 0145): the
vault holds the new pseudonym and postcode, the new pseudonym is reserved and
the old reservation stays, refusals are French and on their field, and the
events say which fields changed, never their values."""

from __future__ import annotations

import pytest

from services.core.envelope import Actor
from services.core.errors import DomainError, InvalidFields
from services.core.events import Meta
from services.identity.commands import (
    ChangeProfile,
    EraseParticipant,
    RecordProfileChange,
    RegisterParticipant,
)
from services.identity.model import new_participant_id
from services.identity.vault import Vault
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.settings import Settings

META = Meta(actor=Actor(id="system", role="system"))


@pytest.fixture
async def container() -> Container:
    c = bootstrap(Settings(event_log="memory", read_store="memory"))
    await c.start()
    return c


def vault_of(c: Container) -> Vault:
    vault = c.ports["vault"]
    assert isinstance(vault, Vault)
    return vault


async def register(c: Container, pseudonym: str = "Aline", email: str = "aline@exemple.fr",
                   postcode: str = "69001", subject: str = "") -> str:
    pid: str = await c.handle(RegisterParticipant(
        participant_id=new_participant_id(), email=email, pseudonym=pseudonym,
        postcode=postcode, method="oidc" if subject else "email",
        verified_subject=subject), META)
    return pid


async def types(c: Container) -> list[str]:
    return [r.event.type for r in await c.log.read("identity.events")]


async def change(c: Container, pid: str, pseudonym: str, postcode: str = "69001"
                 ) -> tuple[str, ...]:
    """As the flow does it: the vault's change, then its record on the stream."""
    meta = Meta(actor=Actor(id=pid, role="participant"))
    changed: tuple[str, ...] = await c.handle(ChangeProfile(pid, pseudonym, postcode), meta)
    if changed:
        await c.handle(RecordProfileChange(pid, changed), meta)
    return changed


async def test_pseudonym_and_postcode_change_in_the_vault(container: Container) -> None:
    pid = await register(container)
    assert await change(container, pid, "  Aline   Martin ", "13001") == ("pseudonym",
                                                                           "postcode")
    vault = vault_of(container)
    profile = await vault.profile(pid)
    assert profile == {"email": "aline@exemple.fr", "pseudonym": "Aline Martin",
                       "postcode": "13001"}
    assert await vault.find("pseudonym", "aline martin") == pid
    assert await vault.find("pseudonym", "aline") is None  # the old one leads nowhere
    assert await vault.find("email", "aline@exemple.fr") == pid  # kept
    assert (await types(container))[-2:] == ["identity.PseudonymReserved",
                                             "identity.ProfileChanged"]
    last = (await container.log.read("identity.events"))[-1].event
    assert last.stream == f"identity-{pid}"
    assert set(last.data) == {"participant_id", "changed"} and last.data["participant_id"] == pid
    assert list(last.data["changed"]) == ["pseudonym", "postcode"]


async def test_postcode_alone_and_emptied(container: Container) -> None:
    pid = await register(container)
    before = len(await types(container))
    assert await change(container, pid, "Aline", "") == ("postcode",)
    assert (await vault_of(container).profile(pid) or {})["postcode"] == ""
    assert (await types(container))[before:] == ["identity.ProfileChanged"]  # no reservation


async def test_nothing_changed_writes_nothing(container: Container) -> None:
    pid = await register(container)
    before = await types(container)
    assert await change(container, pid, " Aline ", "69001") == ()
    assert await types(container) == before


async def test_the_same_pseudonym_written_otherwise_keeps_its_reservation(
        container: Container) -> None:
    """« aline » is « Aline » (the reservation's key folds case and accents): the
    spelling changes, nothing is reserved again."""
    pid = await register(container)
    before = len(await types(container))
    assert await change(container, pid, "ALINE") == ("pseudonym",)
    assert (await types(container))[before:] == ["identity.ProfileChanged"]
    assert await vault_of(container).find("pseudonym", "aline") == pid


async def test_a_pseudonym_someone_else_holds_is_refused_on_its_field(
        container: Container) -> None:
    await register(container, "Bruno", "bruno@exemple.fr")
    pid = await register(container)
    before = await types(container)
    with pytest.raises(DomainError) as refused:
        await change(container, pid, "bruno", "13001")
    assert refused.value.code == "pseudonym_taken" and refused.value.field == "pseudonym"
    assert "déjà pris" in refused.value.message and "Se connecter" not in refused.value.message
    assert await types(container) == before
    assert (await vault_of(container).profile(pid) or {})["postcode"] == "69001"  # untouched


async def test_a_left_pseudonym_stays_reserved_even_for_its_former_holder(
        container: Container) -> None:
    pid = await register(container)
    await change(container, pid, "Aline Martin")
    with pytest.raises(DomainError) as refused:
        await register(container, "aline", "autre@exemple.fr")
    assert refused.value.code == "pseudonym_taken"
    with pytest.raises(DomainError) as refused:
        await change(container, pid, "Aline")
    assert refused.value.code == "pseudonym_taken" and "reste réservé" in refused.value.message


async def test_an_unknown_postcode_is_refused_on_its_field(container: Container) -> None:
    pid = await register(container)
    with pytest.raises(DomainError) as refused:
        await change(container, pid, "Aline", "00000")
    assert refused.value.code == "unknown_postcode" and refused.value.field == "postcode"


async def test_every_bad_field_is_refused_together(container: Container) -> None:
    await register(container, "Bruno", "bruno@exemple.fr")
    pid = await register(container)
    before = await types(container)
    for pseudonym in ("x", "connard", "Bruno"):
        with pytest.raises(InvalidFields) as refused:
            await change(container, pid, pseudonym, "99999")
        assert [e.field for e in refused.value.errors] == ["pseudonym", "postcode"]
    assert await types(container) == before
    assert (await vault_of(container).profile(pid) or {})["pseudonym"] == "Aline"


async def test_an_erased_or_unknown_participant_has_no_profile_to_change(
        container: Container) -> None:
    pid = await register(container)
    await container.handle(EraseParticipant(pid), META)
    for who in (pid, new_participant_id()):
        with pytest.raises(DomainError) as refused:
            await change(container, who, "Aline Neuve")
        assert refused.value.code == "no_account"
    assert await vault_of(container).profile(pid) is None


async def test_an_oidc_account_keeps_its_way_in(container: Container) -> None:
    pid = await register(container, subject="https://fournisseur.test|sub-aline")
    await change(container, pid, "Aline Martin")
    vault = vault_of(container)
    assert await vault.find("oidc", "https://fournisseur.test|sub-aline") == pid
    assert await vault.find("email", "aline@exemple.fr") == pid


async def test_no_event_holds_the_values(container: Container) -> None:
    pid = await register(container, "Zephyrine", "zoe@exemple.fr", "35000")
    await change(container, pid, "Quaresma Neuve", "13001")
    raw = b"".join(r.event.to_json() for r in await container.log.read("identity.events"))
    for needle in (b"zephyrine", b"quaresma", b"35000", b"13001", b"zoe@"):
        assert needle not in raw.lower()
