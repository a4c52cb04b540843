"""A participant changes their e-mail address (ADR 0145 amended): a link to the
new address (signed, single use, expiring, the address sealed in it under the
person's vault key), a notice to the old one naming the new address only
partially; the confirmation swaps the address in the vault (the old one no
longer signs in, the new one does) and records `identity.ProfileChanged` with
the field `email`, never a value. Over the memory fakes (tests/unit/identity/
test_flows.py's world)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from services.core.errors import DomainError
from services.identity.email_change import mask_email
from services.identity.oidc_signin import PendingIdentity
from services.identity.queries import session_generation
from services.identity.ratelimit import RateLimited

from .test_flows import CLIENT, World, register

NEW = "aline.martin@nouveau.fr"


@pytest.fixture
def world() -> World:
    return World()


async def mails_to(world: World, to: str) -> list[dict[str, str]]:
    return [m for m in await world.mails() if m["to"] == to]


async def change_token(world: World, to: str = NEW) -> str:
    """The token of the latest address-change link sent to `to`."""
    body = (await mails_to(world, to))[0]["body"]
    found = re.search(r"/compte/adresse\?jeton=(\S+)", body)
    assert found, body
    return found[1]


async def test_a_link_goes_to_the_new_address_and_a_notice_to_the_old(world: World) -> None:
    pid = await register(world)
    await world.flows.email_change.request(CLIENT, pid, "  Aline.Martin@NOUVEAU.fr ")
    to_new = (await mails_to(world, "Aline.Martin@nouveau.fr"))[0]
    assert "valable 10 minutes" in to_new["body"]
    assert "Aline" not in to_new["body"]  # a mistyped address is a stranger's
    assert "/compte/adresse?jeton=" in to_new["body"]
    notice = next(m for m in await mails_to(world, "aline@exemple.fr")
                  if m["subject"] == "Changement d'adresse demandé sur votre compte Parlons")
    assert "A***@n***.fr" in notice["body"] and "nouveau" not in notice["body"]
    assert "jeton" not in notice["body"]  # the old address cannot confirm
    # nothing has changed yet: the old address still signs in
    assert await world.ports.vault.find("email", "aline@exemple.fr") == pid
    assert (await world.flows.profile(pid) or {})["email"] == "aline@exemple.fr"


async def test_the_confirmation_swaps_the_address_that_signs_in(world: World) -> None:
    pid = await register(world)
    await world.flows.email_change.request(CLIENT, pid, NEW)
    token = await change_token(world)
    world.flows.email_change.check(token)  # opening it changes nothing
    assert (await world.flows.profile(pid) or {})["email"] == "aline@exemple.fr"
    await world.flows.email_change.confirm(CLIENT, token)
    vault = world.ports.vault
    assert (await world.flows.profile(pid) or {})["email"] == NEW
    assert await vault.find("email", NEW) == pid
    assert await vault.find("email", "aline@exemple.fr") is None
    assert await vault.find("pseudonym", "aline") == pid  # other lookups kept
    before = len(await world.mails())
    await world.flows.request_link(CLIENT, "aline@exemple.fr")  # no account there now
    assert len(await world.mails()) == before
    await world.flows.request_link(CLIENT, NEW)
    assert len(await mails_to(world, NEW)) == 2
    assert (await world.events())[-2:] == ["ProfileChanged", "SessionsRevoked"]
    changed = [r.event for r in await world.log.read("identity.events")
               if r.event.type == "identity.ProfileChanged"]
    assert [list(e.data["changed"]) for e in changed] == [["email"]]


async def test_a_link_works_once_expires_and_cannot_be_forged(world: World) -> None:
    pid = await register(world)
    await world.flows.email_change.request(CLIENT, pid, NEW)
    token = await change_token(world)
    with pytest.raises(DomainError) as forged:
        world.flows.email_change.check(token[:-2] + "xx")
    assert forged.value.code == "invalid_link" and "changement d'adresse" in forged.value.message
    with pytest.raises(DomainError):  # a sign-in link's key does not sign it
        world.flows.check_link(token)
    await world.flows.email_change.confirm(CLIENT, token)
    with pytest.raises(DomainError) as used:
        await world.flows.email_change.confirm(CLIENT, token)
    assert used.value.code == "used_link"
    await world.flows.email_change.request(CLIENT, pid, "aline@troisieme.fr")
    late = await change_token(world, "aline@troisieme.fr")
    world.clock.advance(timedelta(minutes=11))
    with pytest.raises(DomainError) as expired:
        await world.flows.email_change.confirm(CLIENT, late)
    assert expired.value.code == "expired_link"
    assert (await world.flows.profile(pid) or {})["email"] == NEW


async def test_a_newer_request_replaces_the_older_link(world: World) -> None:
    pid = await register(world)
    await world.flows.email_change.request(CLIENT, pid, NEW)
    first = await change_token(world)
    await world.flows.email_change.request(CLIENT, pid, "aline@troisieme.fr")
    with pytest.raises(DomainError) as replaced:
        await world.flows.email_change.confirm(CLIENT, first)
    assert replaced.value.code == "replaced_link"
    assert (await world.flows.profile(pid) or {})["email"] == "aline@exemple.fr"


async def test_an_address_of_another_account_is_not_taken_nor_revealed(world: World) -> None:
    pid = await register(world)
    other = await register(world, email="bruno@exemple.fr", pseudonym="Bruno")
    before = len(await mails_to(world, "bruno@exemple.fr"))
    # the same answer as for a free address: nothing raised
    await world.flows.email_change.request(CLIENT, pid, "Bruno@exemple.fr")
    to_bruno = await mails_to(world, "bruno@exemple.fr")  # as he registered it
    assert len(to_bruno) == before + 1
    to_bruno = [m for m in to_bruno if "rien n'a été modifié" in m["body"]]
    assert len(to_bruno) == 1
    assert "jeton" not in to_bruno[0]["body"] and "existe déjà" in to_bruno[0]["body"]
    assert "Aline" not in to_bruno[0]["body"]  # the asker is not named to them either
    assert await world.ports.vault.find("email", "bruno@exemple.fr") == other
    assert (await world.flows.profile(pid) or {})["email"] == "aline@exemple.fr"
    assert "ProfileChanged" not in await world.events()


async def test_an_address_taken_between_the_link_and_its_use_is_refused(world: World) -> None:
    pid = await register(world)
    await world.flows.email_change.request(CLIENT, pid, NEW)
    token = await change_token(world)
    await register(world, email=NEW, pseudonym="Quelquun")
    with pytest.raises(DomainError) as taken:
        await world.flows.email_change.confirm(CLIENT, token)
    assert taken.value.code == "email_taken"
    assert (await world.flows.profile(pid) or {})["email"] == "aline@exemple.fr"


async def test_an_erasure_in_between_makes_the_link_do_nothing(world: World) -> None:
    pid = await register(world)
    await world.flows.email_change.request(CLIENT, pid, NEW)
    token = await change_token(world)
    await world.flows.erase(pid)
    with pytest.raises(DomainError) as gone:
        await world.flows.email_change.confirm(CLIENT, token)
    assert gone.value.message == "Ce compte n'existe plus."
    assert await world.ports.vault.find("email", NEW) is None
    assert await world.flows.profile(pid) is None
    assert "ProfileChanged" not in await world.events()


async def test_refusals_before_anything_is_sent(world: World) -> None:
    pid = await register(world)
    sent = len(await world.mails())
    for raw, code in (("pas-une-adresse", None), ("ALINE@exemple.fr", "same_email")):
        with pytest.raises(DomainError) as refused:
            await world.flows.email_change.request(CLIENT, pid, raw)
        assert refused.value.field == "email"
        assert code is None or refused.value.code == code
    with pytest.raises(DomainError) as anonymous:
        await world.flows.email_change.request(
            CLIENT, "p-0192f0c4-6a4e-7000-8000-0000000000c1", NEW)
    assert anonymous.value.code == "no_account"
    assert len(await world.mails()) == sent


async def test_an_oidc_account_keeps_its_providers_address(world: World) -> None:
    oidc = world.flows.oidc
    flow = await oidc.start("/connexion/oidc/retour")
    pending = await oidc.finish("/connexion/oidc/retour", flow=flow.flow, code="code",
                                state="state-0")
    assert isinstance(pending, PendingIdentity)
    signed = await oidc.register(pending, pseudonym="Odile", postcode="69001")
    sent = len(await world.mails())
    with pytest.raises(DomainError) as refused:
        await world.flows.email_change.request(CLIENT, signed.participant_id, NEW)
    assert refused.value.code == "provider_email" and "FranceConnect" in refused.value.message
    assert not await world.flows.email_change.allowed(signed.participant_id)
    assert len(await world.mails()) == sent


async def test_no_event_holds_either_address(world: World) -> None:
    pid = await register(world, email="zephyrine@ancienne.fr", pseudonym="Zephyrine")
    await world.flows.email_change.request(CLIENT, pid, "quaresma@nouvelle.fr")
    token = await change_token(world, "quaresma@nouvelle.fr")
    await world.flows.email_change.confirm(CLIENT, token)
    raw = b"".join(r.event.to_json() for r in await world.log.read("identity.events"))
    for needle in (b"zephyrine", b"ancienne", b"quaresma", b"nouvelle", b"@"):
        assert needle not in raw.lower()


def test_the_notice_names_the_new_address_partially() -> None:
    assert mask_email("aline.martin@nouveau.fr") == "a***@n***.fr"
    assert mask_email("x@y.co.uk") == "x***@y***.uk"
    assert mask_email("bob@localhost") == "b***@l***"


async def test_the_change_ends_every_session_of_the_account(world: World) -> None:
    """Sessions opened through the old mailbox end with it: the confirmation page
    asks to sign in again, with the new address."""
    pid = await register(world)
    await world.flows.email_change.request(CLIENT, pid, NEW)
    token = await change_token(world)
    before = await session_generation(world.store, pid)
    await world.flows.email_change.confirm(CLIENT, token)
    assert await session_generation(world.store, pid) == before + 1
    assert (await world.events())[-2:] == ["ProfileChanged", "SessionsRevoked"]


async def test_the_address_asked_for_spends_its_magic_link_budget(world: World) -> None:
    """Many accounts cannot flood one mailbox: requests to one address count with
    the sign-in links asked for it."""
    async def links_until_limited(w: World) -> int:
        for n in range(50):
            try:
                await w.flows.request_link(f"c:autre-{n}", NEW)
            except RateLimited:
                return n
        raise AssertionError("never limited")
    baseline = await links_until_limited(World())
    pid = await register(world)
    await world.flows.email_change.request(CLIENT, pid, NEW)
    assert await links_until_limited(world) == baseline - 1
