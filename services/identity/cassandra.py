"""Cassandra adapters of the identity ports (ADR 0077): the vault, the token ledger
and the outbox of the distributed topology, in the identity service's keyspace, so
that no front keeps `<data_dir>/identity.db` on its disk.

Without transactions, writes are ordered so that a crash between two of them
leaves nothing harmful:
- a lookup (keyed hash of an e-mail) is listed under its person before it is
  claimed, so erasure always finds it; it is claimed by a lightweight transaction
  that expires after a minute unless the profile was written and the claim kept:
  a dead registration does not hold an e-mail for ever;
- a refused claim (someone else's e-mail) releases what this call claimed and
  writes nothing else;
- erasure deletes the key first: from then on every sealed byte of the person is
  noise, whatever deletion after it a crash cuts.
Like the SQLite adapter, two saves of one new person racing each other keep the
first key (the second profile is then unreadable: a person registers once).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from services.identity.cassandra_cql import CLAIM_TTL_S, NOT_IDEMPOTENT, SCHEMA, STATEMENTS
from services.identity.ports import OutboxMessage, OutboxStore, TokenLedger
from services.identity.vault import LookupTaken, NoProfile, Vault
from services.store.cassandra_cql import CassandraConfig, Cql

Row = tuple[Any, ...]
# A consumed token is remembered this long after it expires (it fails on expiry
# anyway: the margin covers clocks that disagree between processes).
TOKEN_MARGIN = timedelta(hours=1)


class IdentityCql:
    """One session for the three adapters, opened at first use (the ports are
    built before any event loop runs) from `config`, or a given `Cql` (tests)."""

    def __init__(self, config: CassandraConfig | None = None, *, cql: Cql | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config, self._cql, self.now = config, cql, now
        self._opening = asyncio.Lock()

    async def run(self, name: str, *params: Any) -> list[Row]:
        return await (await self._session()).run(name, params)

    async def applied(self, name: str, *params: Any) -> bool:
        """A lightweight transaction's verdict (its first column)."""
        rows = await self.run(name, *params)
        return bool(rows and rows[0][0])

    async def one(self, name: str, *params: Any) -> Any:
        rows = await self.run(name, *params)
        return rows[0][0] if rows else None

    async def _session(self) -> Cql:
        if self._cql is None:
            async with self._opening:
                if self._cql is None:
                    self._cql = await asyncio.to_thread(self._connect)
        return self._cql

    def _connect(self) -> Cql:
        from services.store.cassandra_cql import DriverCql, connect

        if self.config is None:
            raise ValueError("IdentityCql needs a config or a session")
        cluster, session = connect(self.config, SCHEMA)
        try:
            return DriverCql(cluster, session, STATEMENTS, NOT_IDEMPOTENT)
        except BaseException:
            cluster.shutdown()
            raise

    def shutdown(self) -> None:
        """Blocking: close a session this opened (a given one is its owner's)."""
        if self._cql is not None and self.config is not None:
            self._cql.close()
            self._cql = None


class CassandraVault(Vault):
    def __init__(self, db: IdentityCql, secret: str) -> None:
        super().__init__(secret)
        self._db = db

    async def _load_key(self, person_id: str) -> bytes | None:
        found: bytes | None = await self._db.one("key_get", person_id)
        return found

    async def _load_profile(self, person_id: str) -> bytes | None:
        found: bytes | None = await self._db.one("profile_get", person_id)
        return found

    async def _find(self, lookup_hash: str) -> str | None:
        found: str | None = await self._db.one("lookup_get", lookup_hash)
        return found

    async def _save(self, person_id: str, wrapped_key: bytes, sealed_profile: bytes,
                    lookups: Mapping[str, str], *, existing: bool = False) -> None:
        db = self._db
        if existing and await self._load_key(person_id) is None:
            raise NoProfile(person_id)
        had = {h for (h,) in await db.run("lookups_of", person_id)}
        new = {h: p for p, h in lookups.items() if await self._owner(h) != person_id}
        for h in new:
            await db.run("lookup_of_put", person_id, h)
        claimed: list[str] = []
        try:
            for h, purpose in new.items():
                if not await self._claim(h, purpose, person_id):
                    raise LookupTaken(purpose)
                claimed.append(h)
        except LookupTaken:
            for h in claimed:
                await db.run("lookup_release", h, person_id)
            for h in set(new) - had:
                await db.run("lookup_of_drop", person_id, h)
            raise
        if not existing:  # a change never claims a key: an erasure meanwhile stays one
            await db.run("key_claim", person_id, wrapped_key)  # kept when present
        await db.run("profile_put", person_id, sealed_profile)
        for h, purpose in new.items():
            await db.run("lookup_keep", purpose, person_id, h, person_id)
        for h in had - set(lookups.values()):
            await db.run("lookup_release", h, person_id)
            await db.run("lookup_of_drop", person_id, h)

    async def _claim(self, lookup_hash: str, purpose: str, person_id: str) -> bool:
        if await self._db.applied("lookup_claim", lookup_hash, purpose, person_id, CLAIM_TTL_S):
            return True
        # taken: by this person already (a retried claim), or by someone else
        return await self._owner(lookup_hash) == person_id

    async def _owner(self, lookup_hash: str) -> str | None:
        return await self._find(lookup_hash)

    async def _lookups_of(self, person_id: str) -> dict[str, str]:
        owned: dict[str, str] = {}
        for (h,) in await self._db.run("lookups_of", person_id):
            for purpose, owner in await self._db.run("lookup_owned", h):
                if owner == person_id:
                    owned[str(purpose)] = str(h)
        return owned

    async def _delete(self, person_id: str) -> None:
        db = self._db
        await db.run("key_drop", person_id)  # first: the rest is noise from here on
        await db.run("profile_drop", person_id)
        for (h,) in await db.run("lookups_of", person_id):
            await db.run("lookup_release", h, person_id)
        await db.run("lookups_of_drop", person_id)


class CassandraTokenLedger(TokenLedger):
    """Expiry is Cassandra's: every row carries a TTL reaching past its token's
    expiry, so `purge` has nothing left to do and says 0."""

    def __init__(self, db: IdentityCql) -> None:
        self._db = db

    async def consume(self, token_id: str, expires_at: datetime) -> bool:
        return await self._db.applied("token_consume", token_id, expires_at,
                                      self._ttl(expires_at))

    async def make_current(self, subject: str, token_id: str, expires_at: datetime) -> None:
        await self._db.run("token_current_put", subject, token_id, expires_at,
                           self._ttl(expires_at))

    async def is_current(self, subject: str, token_id: str) -> bool:
        rows = await self._db.run("token_current_get", subject)
        return bool(rows) and rows[0][0] == token_id

    async def purge(self, now: datetime) -> int:
        return 0

    def _ttl(self, expires_at: datetime) -> int:
        return max(int((expires_at + TOKEN_MARGIN - self._db.now()).total_seconds()), 60)


class CassandraOutbox(OutboxStore):
    def __init__(self, db: IdentityCql) -> None:
        self._db = db

    async def add(self, message: OutboxMessage) -> None:
        day, at = _day(message.created_at), message.created_at
        await self._db.run("outbox_day_put", day)
        await self._db.run("outbox_of_put", message.person_id, day, at, message.message_id)
        await self._db.run("outbox_put", day, at, message.message_id, message.person_id,
                           message.sealed)

    async def recent(self, limit: int = 50) -> list[OutboxMessage]:
        found: list[OutboxMessage] = []
        for (day,) in await self._db.run("outbox_days"):  # newest day first
            rows = await self._db.run("outbox_of_day", day, limit - len(found))
            found += [OutboxMessage(m, p, _utc(t), s) for m, p, t, s in rows]
            if len(found) >= limit:
                break
        return found

    async def delete_person(self, person_id: str) -> None:
        for day, at, message_id in await self._db.run("outbox_of", person_id):
            await self._db.run("outbox_drop", day, at, message_id)
        await self._db.run("outbox_of_drop_person", person_id)

    async def purge(self, before: datetime) -> int:
        removed = 0
        for (day,) in await self._db.run("outbox_days"):
            if day > _day(before):
                continue
            rows = await self._db.run("outbox_of_day", day, 1_000_000)
            old = [(m, p, _utc(t)) for m, p, t, _ in rows if _utc(t) < before]
            for message_id, person_id, at in old:
                await self._db.run("outbox_drop", day, at, message_id)
                await self._db.run("outbox_of_drop", person_id, day, at, message_id)
            removed += len(old)
            if len(old) == len(rows) and day < _day(before):
                await self._db.run("outbox_day_drop", day)
        return removed


def _day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")


def _utc(at: datetime) -> datetime:
    """The driver reads timestamps back naive, in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
