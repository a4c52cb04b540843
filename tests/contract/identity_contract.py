"""The identity ports' contract (services/identity/vault.py, ports.py), run against
every adapter: subclass each class once per adapter and implement its `make_*`.
Tests use person and token ids of their own so one server may serve a session."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta

import pytest

from services.identity.cassandra import (
    CassandraOutbox,
    CassandraTokenLedger,
    CassandraVault,
    IdentityCql,
)
from services.identity.ports import OutboxMessage, OutboxStore, TokenLedger
from services.identity.vault import LookupTaken, NoProfile, Vault

SECRET = "vault-test-secret"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class VaultContract(ABC):
    @abstractmethod
    async def make_vault(self) -> Vault: ...

    async def test_profile_round_trip_and_lookup(self) -> None:
        vault, p, email = await self.make_vault(), new_id("p"), new_id("a") + "@b.fr"
        await vault.store_profile(p, {"email": email, "pseudonym": "Aline"},
                                  lookups={"email": email})
        assert await vault.profile(p) == {"email": email, "pseudonym": "Aline"}
        assert await vault.find("email", email) == p
        assert await vault.find("email", "other-" + email) is None

    async def test_a_lookup_belongs_to_one_person(self) -> None:
        vault, email = await self.make_vault(), new_id("a") + "@b.fr"
        first, second = new_id("p"), new_id("p")
        await vault.store_profile(first, {"x": 1}, lookups={"email": email})
        with pytest.raises(LookupTaken):
            await vault.store_profile(second, {"x": 2}, lookups={"email": email})
        assert await vault.profile(second) is None
        assert await vault.find("email", email) == first

    async def test_a_refused_change_keeps_the_profile_and_lookups(self) -> None:
        vault = await self.make_vault()
        one, two = new_id("p"), new_id("p")
        mine, theirs = new_id("m") + "@b.fr", new_id("t") + "@b.fr"
        await vault.store_profile(one, {"email": mine}, lookups={"email": mine})
        await vault.store_profile(two, {"email": theirs}, lookups={"email": theirs})
        with pytest.raises(LookupTaken):
            await vault.store_profile(one, {"email": theirs}, lookups={"email": theirs})
        assert await vault.profile(one) == {"email": mine}
        assert await vault.find("email", mine) == one
        assert await vault.find("email", theirs) == two

    async def test_a_changed_lookup_frees_the_old_one(self) -> None:
        vault, p = await self.make_vault(), new_id("p")
        old, new = new_id("o") + "@b.fr", new_id("n") + "@b.fr"
        await vault.store_profile(p, {"email": old}, lookups={"email": old})
        await vault.store_profile(p, {"email": new}, lookups={"email": new})
        assert await vault.find("email", new) == p
        assert await vault.find("email", old) is None
        other = new_id("p")
        await vault.store_profile(other, {"email": old}, lookups={"email": old})
        assert await vault.find("email", old) == other

    async def test_a_replaced_profile_keeps_the_lookups_it_does_not_name(self) -> None:
        """A new pseudonym (ADR 0145): its lookup moves, the e-mail's and the OpenID
        Connect subject's (no profile holds it) stay; taken, nothing changes."""
        vault, p, other = await self.make_vault(), new_id("p"), new_id("p")
        email, old, new, sub = (new_id("a") + "@b.fr", new_id("old"), new_id("new"),
                                new_id("sub"))
        await vault.store_profile(p, {"email": email, "pseudonym": old},
                                  lookups={"email": email, "pseudonym": old, "oidc": sub})
        await vault.store_profile(other, {"pseudonym": "x"}, lookups={"pseudonym": other})
        await vault.replace_profile(p, {"email": email, "pseudonym": new},
                                    lookups={"pseudonym": new})
        assert await vault.profile(p) == {"email": email, "pseudonym": new}
        assert [await vault.find(purpose, value) for purpose, value in (
            ("pseudonym", new), ("email", email), ("oidc", sub))] == [p, p, p]
        assert await vault.find("pseudonym", old) is None
        with pytest.raises(LookupTaken):
            await vault.replace_profile(p, {"pseudonym": other}, lookups={"pseudonym": other})
        assert (await vault.profile(p) or {})["pseudonym"] == new
        assert await vault.find("pseudonym", new) == p and await vault.find("oidc", sub) == p
        await vault.erase(p)
        with pytest.raises(NoProfile):  # an erased person is never brought back
            await vault.replace_profile(p, {"pseudonym": new}, lookups={"pseudonym": new})
        assert await vault.profile(p) is None and await vault.find("email", email) is None

    async def test_a_replaced_email_moves_the_way_in(self) -> None:
        """A new address (ADR 0145 amended): the old one finds nobody, the new one
        the person, their other lookups stay; an address someone holds is refused."""
        vault, p, other = await self.make_vault(), new_id("p"), new_id("p")
        old, new, taken, pseudo = (new_id("a") + "@b.fr", new_id("n") + "@b.fr",
                                   new_id("t") + "@b.fr", new_id("ps"))
        await vault.store_profile(p, {"email": old, "pseudonym": pseudo},
                                  lookups={"email": old, "pseudonym": pseudo})
        await vault.store_profile(other, {"email": taken}, lookups={"email": taken})
        assert await vault.lookup_purposes(p) == {"email", "pseudonym"}
        await vault.replace_profile(p, {"email": new, "pseudonym": pseudo},
                                    lookups={"email": new})
        assert await vault.find("email", old) is None and await vault.find("email", new) == p
        assert await vault.find("pseudonym", pseudo) == p
        with pytest.raises(LookupTaken):
            await vault.replace_profile(p, {"email": taken}, lookups={"email": taken})
        assert (await vault.profile(p) or {})["email"] == new
        assert await vault.find("email", taken) == other and await vault.find("email", new) == p

    async def test_a_change_racing_an_erasure_brings_nobody_back(self) -> None:
        """The key read, then erased, then the write: the write is refused."""
        vault, p = await self.make_vault(), new_id("p")
        email = new_id("a") + "@b.fr"
        await vault.store_profile(p, {"email": email}, lookups={"email": email})
        erase_now = vault._load_key

        async def key_then_erased(person_id: str) -> bytes | None:
            key = await erase_now(person_id)
            await vault.erase(person_id)
            return key
        vault._load_key = key_then_erased  # type: ignore[method-assign]
        with pytest.raises(NoProfile):
            await vault.replace_profile(p, {"email": email, "pseudonym": "x"},
                                        lookups={"pseudonym": "x"})
        vault._load_key = erase_now  # type: ignore[method-assign]
        assert await vault.profile(p) is None and await vault.find("email", email) is None
        assert await vault.find("pseudonym", "x") is None

    async def test_erasure_destroys_the_key(self) -> None:
        vault, p, email = await self.make_vault(), new_id("p"), new_id("a") + "@b.fr"
        await vault.store_profile(p, {"email": email}, lookups={"email": email})
        sealed = await vault.seal_for(p, b"message", purpose="outbox")
        assert sealed is not None and b"message" not in sealed
        assert await vault.open_for(p, sealed, purpose="outbox") == b"message"
        await vault.erase(p)
        assert await vault.profile(p) is None
        assert await vault.find("email", email) is None
        assert await vault.open_for(p, sealed, purpose="outbox") is None
        assert await vault.seal_for(p, b"again", purpose="outbox") is None

    async def test_ciphertext_is_bound_to_its_owner(self) -> None:
        vault, one, two = await self.make_vault(), new_id("p"), new_id("p")
        await vault.store_profile(one, {}, lookups={})
        await vault.store_profile(two, {}, lookups={})
        sealed = await vault.seal_for(one, b"secret", purpose="outbox")
        assert sealed is not None
        assert await vault.open_for(two, sealed, purpose="outbox") is None


class TokenLedgerContract(ABC):
    @abstractmethod
    async def make_ledger(self) -> TokenLedger: ...

    async def test_a_token_is_consumed_once(self) -> None:
        ledger, token = await self.make_ledger(), new_id("t")
        soon = datetime.now(UTC) + timedelta(minutes=10)
        assert await ledger.consume(token, soon)
        assert not await ledger.consume(token, soon)

    async def test_the_last_token_made_current_is_the_only_current_one(self) -> None:
        ledger, one, two = await self.make_ledger(), new_id("link"), new_id("link")
        soon = datetime.now(UTC) + timedelta(minutes=10)
        assert not await ledger.is_current(one, "a")
        await ledger.make_current(one, "a", soon)
        await ledger.make_current(two, "x", soon)
        assert await ledger.is_current(one, "a")
        await ledger.make_current(one, "b", soon)
        assert not await ledger.is_current(one, "a")
        assert await ledger.is_current(one, "b")
        assert await ledger.is_current(two, "x")


class OutboxContract(ABC):
    """`recent` lists the newest messages first, across days; `delete_person` and
    `purge` remove what they name and nothing else. The outbox is shared by a whole
    server: tests look only at their own persons' messages."""

    @abstractmethod
    async def make_outbox(self) -> OutboxStore: ...

    async def mine(self, outbox: OutboxStore, *people: str) -> list[str]:
        return [m.message_id for m in await outbox.recent(10_000) if m.person_id in people]

    async def test_recent_is_newest_first_across_days(self) -> None:
        outbox, p = await self.make_outbox(), new_id("p")
        now = datetime.now(UTC).replace(microsecond=0)
        for name, age in (("m-2d", 48), ("m-1h", 1), ("m-1d", 24)):
            await outbox.add(OutboxMessage(f"{p}-{name}", p, now - timedelta(hours=age), b"\0s"))
        assert await self.mine(outbox, p) == [f"{p}-m-1h", f"{p}-m-1d", f"{p}-m-2d"]
        newest = (await outbox.recent(1))[0]
        assert newest.created_at >= now - timedelta(hours=1)
        assert newest.sealed == b"\0s" or newest.person_id != p

    async def test_delete_person_leaves_the_others(self) -> None:
        outbox, gone, kept = await self.make_outbox(), new_id("p"), new_id("p")
        now = datetime.now(UTC)
        for p in (gone, kept):
            await outbox.add(OutboxMessage(f"{p}-a", p, now - timedelta(hours=30), b"\0s"))
            await outbox.add(OutboxMessage(f"{p}-b", p, now, b"\0s"))
        await outbox.delete_person(gone)
        assert await self.mine(outbox, gone, kept) == [f"{kept}-b", f"{kept}-a"]

    async def test_purge_removes_what_is_older_than_the_cutoff(self) -> None:
        outbox, p = await self.make_outbox(), new_id("p")
        now = datetime.now(UTC)
        await outbox.add(OutboxMessage(f"{p}-old", p, now - timedelta(days=40), b"\0s"))
        await outbox.add(OutboxMessage(f"{p}-older", p, now - timedelta(days=41), b"\0s"))
        await outbox.add(OutboxMessage(f"{p}-new", p, now - timedelta(hours=1), b"\0s"))
        assert await outbox.purge(now - timedelta(days=30)) >= 2
        assert await self.mine(outbox, p) == [f"{p}-new"]


class OnCassandra(VaultContract, TokenLedgerContract, OutboxContract):
    """The three contracts on the Cassandra adapters over `self.db`, an IdentityCql
    the subclass's fixture opens (a fake session or a real server)."""

    db: IdentityCql

    async def make_vault(self) -> Vault:
        return CassandraVault(self.db, SECRET)

    async def make_ledger(self) -> TokenLedger:
        return CassandraTokenLedger(self.db)

    async def make_outbox(self) -> OutboxStore:
        return CassandraOutbox(self.db)
