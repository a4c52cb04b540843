"""The identity flows over the memory fakes: a bus running the identity
handlers, a memory read store kept up to date by the identity projection, the
outbox mailer and a fake OpenID Connect provider."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.core.clock import FixedClock
from services.core.errors import DomainError
from services.core.events import Meta
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Position
from services.identity.acting import SignedIn
from services.identity.flows import IdentityFlows
from services.identity.mailer import OutboxMailer
from services.identity.memory import MemoryOutbox, MemoryTokenLedger, MemoryVault
from services.identity.oidc import OidcClient, OidcIdentity, OidcStart
from services.identity.oidc_signin import FLOW_SECONDS, PendingIdentity
from services.identity.projections import IdentityProjection
from services.identity.queries import Capability, identity_level, may
from services.identity.ratelimit import RateLimited
from services.identity.service import HANDLERS, build_ports
from services.identity.settings import IdentitySettings
from services.identity.streams import TOPIC
from services.store.memory import MemoryReadStore

ISSUER = "https://fournisseur.test"
CALLBACK = "/connexion/oidc/retour"
CLIENT = "c:client"


class FakeProvider(OidcClient):
    """The provider vouches for `self.person` (a subject and an e-mail)."""

    def __init__(self, settings: IdentitySettings) -> None:
        super().__init__(settings)
        self.person = ("sub-odile", "odile@exemple.fr")
        self.nonces: list[str] = []

    async def start(self, redirect_uri: str) -> OidcStart:
        state, nonce = f"state-{len(self.nonces)}", f"nonce-{len(self.nonces)}"
        self.nonces.append(nonce)
        return OidcStart(f"{ISSUER}/autoriser?redirect_uri={redirect_uri}&state={state}",
                         state, nonce)

    async def finish(self, *, code: str, redirect_uri: str, nonce: str) -> OidcIdentity:
        assert nonce == self.nonces[-1] and redirect_uri.endswith(CALLBACK)
        subject, email = self.person
        return OidcIdentity(ISSUER, subject, email, {})


class World:
    """The bus (identity handlers with their ports) and the read model."""

    def __init__(self) -> None:
        self.clock = FixedClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
        self.log, self.store = MemoryEventLog(), MemoryReadStore()
        vault, outbox = MemoryVault("s"), MemoryOutbox()
        self.mailer = OutboxMailer(outbox, vault, self.clock)
        settings = IdentitySettings(identity_secret="s", environment="test",
                                    oidc_issuer=ISSUER, oidc_client_id="parlons")
        self.ports = build_ports(settings, self.clock, vault=vault, ledger=MemoryTokenLedger(),
                                 outbox=outbox, mailer=self.mailer)
        self.provider = FakeProvider(settings)
        self.flows = IdentityFlows(self.ports, self, self.store, self.settle,
                                   oidc_client=self.provider)
        self._projection = IdentityProjection()
        self._read: Position = {}

    async def handle(self, command: object, meta: Meta) -> Any:
        handler = HANDLERS[type(command)]
        ports = {"log": self.log, "clock": self.clock, "store": self.store,
                 "vault": self.ports.vault, "outbox": self.ports.outbox}
        wanted = inspect.signature(handler).parameters
        return await handler(command, meta=meta, **{k: v for k, v in ports.items()
                                                    if k in wanted})

    async def settle(self) -> None:
        records = await self.log.read(TOPIC, start=dict(self._read) or None)
        async with self.store.transaction() as tx:
            for r in records:
                await self._projection.apply(r.event, tx)
                self._read[r.partition] = r.offset + 1

    async def mails(self) -> list[dict[str, str]]:
        return await self.mailer.read()

    async def events(self) -> list[str]:
        return [r.event.type.removeprefix("identity.") for r in await self.log.read(TOPIC)]

    async def link(self, to: str) -> str:
        """The token of the latest magic link sent to `to`."""
        body = next(m["body"] for m in await self.mails() if m["to"] == to)
        found = re.search(r"/connexion/lien\?jeton=(\S+)", body)
        assert found, body
        return found[1]


@pytest.fixture
def world() -> World:
    return World()


async def register(world: World, email: str = "aline@exemple.fr",
                   pseudonym: str = "Aline") -> str:
    return await world.flows.register(CLIENT, email=email, pseudonym=pseudonym,
                                      postcode="69001")


async def test_registration_sends_one_magic_link_that_signs_in(world: World) -> None:
    pid = await register(world, email="Aline@EXEMPLE.fr")
    mails = await world.mails()
    assert [m["to"] for m in mails] == ["Aline@exemple.fr"]
    assert "Bonjour Aline" in mails[0]["body"] and "valable 10 minutes" in mails[0]["body"]
    token = await world.link("Aline@exemple.fr")
    world.flows.check_link(token)  # opening it changes nothing
    assert await world.events() == ["PseudonymReserved", "ParticipantRegistered"]
    assert await world.flows.confirm_link(CLIENT, token) == SignedIn(pid, "email")
    assert (await world.events())[-2:] == ["IdentityLevelRaised", "ParticipantSignedIn"]
    assert await identity_level(world.store, pid) == "email"


async def test_a_link_works_once(world: World) -> None:
    await register(world)
    token = await world.link("aline@exemple.fr")
    await world.flows.confirm_link(CLIENT, token)
    with pytest.raises(DomainError) as used:
        await world.flows.confirm_link(CLIENT, token)
    assert used.value.code == "used_link" and "déjà servi" in used.value.message
    with pytest.raises(DomainError) as forged:
        world.flows.check_link(token[:-2] + "xx")
    assert forged.value.code == "invalid_link"


async def test_a_link_expires(world: World) -> None:
    await register(world)
    token = await world.link("aline@exemple.fr")
    world.clock.advance(timedelta(minutes=16))
    with pytest.raises(DomainError) as expired:
        await world.flows.confirm_link(CLIENT, token)
    assert expired.value.code == "expired_link"


async def test_an_unknown_address_gets_nothing_and_the_same_answer(world: World) -> None:
    await register(world)
    assert await world.flows.request_link(CLIENT, "personne@exemple.fr") is None
    assert len(await world.mails()) == 1
    assert await world.flows.request_link(CLIENT, "ALINE@exemple.fr") is None
    assert sorted(m["to"] for m in await world.mails()) == ["ALINE@exemple.fr",
                                                           "aline@exemple.fr"]
    with pytest.raises(DomainError) as bad:
        await world.flows.request_link(CLIENT, "pas-une-adresse")
    assert bad.value.field == "email"


async def test_a_refused_registration_sends_nothing(world: World) -> None:
    await register(world)
    with pytest.raises(DomainError) as taken:
        await register(world, email="autre@exemple.fr", pseudonym="ALINE")
    assert taken.value.code == "pseudonym_taken"
    with pytest.raises(DomainError) as bad:
        await register(world, email="autre@exemple.fr", pseudonym="x")
    assert bad.value.field == "pseudonym"
    assert len(await world.mails()) == 1


async def test_registering_a_known_address_answers_as_a_new_one_and_writes_to_it(
        world: World) -> None:
    """`/inscription` used to answer « Un compte existe déjà avec cette adresse »."""
    pid = await register(world)
    events = await world.events()
    assert await world.flows.register(CLIENT, email="ALINE@exemple.fr", pseudonym="Autre",
                                      postcode="") is None  # no refusal to tell it apart
    assert await world.events() == events  # no account, no pseudonym reserved
    mails = await world.mails()
    assert len(mails) == 2
    notice = next(m for m in mails if m["subject"] == "Vous avez déjà un compte sur Parlons")
    assert notice["to"] == "aline@exemple.fr"  # the account's address, as it holds it
    assert "Bonjour Aline" in notice["body"] and "Un compte existe déjà" in notice["body"]
    token = re.search(r"/connexion/lien\?jeton=(\S+)", notice["body"])
    assert token, notice["body"]  # the latest link: it signs the owner in
    assert await world.flows.confirm_link(CLIENT, token[1]) == SignedIn(pid, "email")
    with pytest.raises(DomainError) as bad:  # bad input is refused as for a new address
        await register(world, email="aline@exemple.fr", pseudonym="x")
    assert bad.value.field == "pseudonym"


async def test_registrations_of_one_address_are_limited(world: World) -> None:
    await register(world)
    limit = world.ports.settings.rate_login_per_hour
    for n in range(limit - 1):
        await world.flows.register(f"c:{n}", email="aline@exemple.fr", pseudonym="Autre")
    with pytest.raises(RateLimited):  # nor mail its owner at will from many clients
        await world.flows.register("c:other", email="aline@exemple.fr", pseudonym="Autre")
    assert len(await world.mails()) == limit


async def test_logins_are_limited_per_client(world: World) -> None:
    limit = world.ports.settings.rate_login_per_hour
    for _ in range(limit):
        await world.flows.request_link(CLIENT, "personne@exemple.fr")
    with pytest.raises(RateLimited):
        await world.flows.request_link(CLIENT, "personne@exemple.fr")
    with pytest.raises(RateLimited):  # nor for that address from another client
        await world.flows.request_link("c:another", "personne@exemple.fr")
    await world.flows.request_link("c:another", "quelquun@exemple.fr")
    assert world.flows.limits.client("203.0.113.7") != world.flows.limits.client("203.0.113.8")
    assert "203.0.113.7" not in world.flows.limits.client("203.0.113.7")


async def test_erasure_shreds_the_person_and_their_links(world: World) -> None:
    pid = await register(world)
    token = await world.link("aline@exemple.fr")
    await world.flows.erase(pid)
    assert await world.flows.profile(pid) is None
    assert await world.mails() == []  # the outbox message went with the person
    assert await identity_level(world.store, pid) == "anonymous"
    assert (await world.flows.export(pid))["profil"]["courriel"] is None
    with pytest.raises(DomainError) as gone:
        await world.flows.confirm_link(CLIENT, token)
    assert gone.value.message == "Ce compte n'existe plus."
    await world.flows.request_link(CLIENT, "aline@exemple.fr")
    assert await world.mails() == []


async def test_oidc_first_login_waits_for_the_pseudonym(world: World) -> None:
    oidc = world.flows.oidc
    assert oidc.enabled and oidc.label == "FranceConnect"
    flow = await oidc.start(CALLBACK)
    assert flow.url.startswith(ISSUER) and "state-0" not in flow.flow  # sealed
    pending = await oidc.finish(CALLBACK, flow=flow.flow, code="code", state="state-0")
    assert isinstance(pending, PendingIdentity)
    assert pending.email == "odile@exemple.fr" and pending.subject == f"{ISSUER}|sub-odile"
    assert await world.events() == []  # nothing registered before the pseudonym
    assert oidc.pending(pending.token) == pending
    assert oidc.pending("forgé") is None and oidc.pending(flow.flow) is None
    with pytest.raises(DomainError) as offensive:
        await oidc.register(pending, pseudonym="Connard")
    assert offensive.value.code == "offensive_pseudonym"
    signed = await oidc.register(pending, pseudonym="Odile des Pentes", postcode="69001")
    assert signed.level == "verified"
    assert await identity_level(world.store, signed.participant_id) == "verified"
    again = await oidc.start(CALLBACK)  # the next login finds the account
    assert await oidc.finish(CALLBACK, flow=again.flow, code="code",
                             state="state-1") == signed


async def test_oidc_refuses_another_state_or_a_stale_flow(world: World) -> None:
    oidc = world.flows.oidc
    flow = await oidc.start(CALLBACK)
    for state, code, sealed in (("state-x", "code", flow.flow), ("state-0", "", flow.flow),
                                ("state-0", "code", "forgé")):
        with pytest.raises(DomainError) as refused:
            await oidc.finish(CALLBACK, flow=sealed, code=code, state=state)
        assert refused.value.code == "oidc_failed"
    world.clock.advance(timedelta(seconds=FLOW_SECONDS + 1))
    with pytest.raises(DomainError):
        await oidc.finish(CALLBACK, flow=flow.flow, code="code", state="state-0")


async def test_oidc_verifies_the_account_of_the_same_address(world: World) -> None:
    pid = await register(world, email="odile@exemple.fr", pseudonym="Odile")
    flow = await world.flows.oidc.start(CALLBACK)
    signed = await world.flows.oidc.finish(CALLBACK, flow=flow.flow, code="c", state="state-0")
    assert signed == SignedIn(pid, "verified")
    assert await identity_level(world.store, pid) == "verified"


async def test_team_grants_by_pseudonym_under_the_role_policy(world: World) -> None:
    team, cid = world.flows.team, "c-1"
    pid = await register(world)
    with pytest.raises(DomainError) as reserved:
        await team.grant(cid, pseudonym="Aline", role="admin", by="p-org",
                         by_platform_admin=False)
    assert reserved.value.field == "role"
    with pytest.raises(DomainError) as unknown:
        await team.grant(cid, pseudonym="Personne", role="moderator", by="p-org",
                         by_platform_admin=False)
    assert unknown.value.field == "pseudonym"
    await team.grant(cid, pseudonym="aline", role="moderator", by="p-org",
                     by_platform_admin=False)
    assert [(m.participant_id, m.roles, m.pseudonym) for m in await team.members(cid)] == [
        (pid, ["moderator"], "Aline")]
    assert await may(world.store, pid, cid, Capability.MODERATE)
    assert not await may(world.store, pid, cid, Capability.MANAGE)
    await world.flows.erase(pid)
    assert [m.pseudonym for m in await team.members(cid)] == [None]
    await team.revoke(cid, participant_id=pid, role="moderator", by="p-org")
    assert await team.members(cid) == []
