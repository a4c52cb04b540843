"""A fake of the identity service's CQL (services/identity/cassandra_cql.py): its
named statements interpreted over dictionaries, with lightweight transactions'
verdicts, TTLs on a clock the test moves, millisecond timestamps and the tables'
clustering order. It tests the adapters' own logic (write order, claims, paging
the outbox by day) without a server; it proves nothing about Cassandra itself --
that is tests/contract/test_identity_cassandra.py against a real one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from services.identity.cassandra_cql import STATEMENTS

Row = tuple[Any, ...]


class FakeIdentityCql:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
        self.tables: dict[str, dict[Any, tuple[dict[str, Any], datetime | None]]] = {}
        self.calls: list[str] = []
        self.closed = False

    def advance(self, by: timedelta) -> None:
        self.now += by

    async def run(self, name: str, params: tuple[Any, ...]) -> list[Row]:
        assert name in STATEMENTS, name
        assert STATEMENTS[name].count("?") == len(params), (name, params)
        self.calls.append(name)
        await asyncio.sleep(0)  # a round trip: other tasks run meanwhile
        result: list[Row] = getattr(self, "_" + name)(*params)
        return result

    async def batch(self, items: Any) -> None:
        raise AssertionError("the identity adapters send no batch")

    def close(self) -> None:
        self.closed = True

    # -- rows: (columns, expiry) by primary key ----------------------------------------
    def _table(self, name: str) -> dict[Any, tuple[dict[str, Any], datetime | None]]:
        return self.tables.setdefault(name, {})

    def _get(self, table: str, key: Any) -> dict[str, Any] | None:
        found = self._table(table).get(key)
        if found is None or (found[1] is not None and found[1] <= self.now):
            return None
        return found[0]

    def _put(self, table: str, key: Any, cols: dict[str, Any], ttl: int = 0) -> None:
        expiry = self.now + timedelta(seconds=ttl) if ttl else None
        self._table(table)[key] = (cols, expiry)

    def _rows(self, table: str, keep: Any = lambda key: True) -> list[tuple[Any, dict[str, Any]]]:
        return [(k, cols) for k, (cols, _) in sorted(self._table(table).items())
                if keep(k) and self._get(table, k) is not None]

    def _drop(self, table: str, keep: Any) -> None:
        for key in [k for k in self._table(table) if keep(k)]:
            del self._table(table)[key]

    # -- statements, by name ------------------------------------------------------------
    def _key_get(self, pid: str) -> list[Row]:
        row = self._get("keys", pid)
        return [(row["wrapped"],)] if row else []

    def _key_claim(self, pid: str, wrapped: bytes) -> list[Row]:
        if self._get("keys", pid):
            return [(False, pid, self._get("keys", pid)["wrapped"])]  # type: ignore[index]
        self._put("keys", pid, {"wrapped": wrapped})
        return [(True,)]

    def _key_drop(self, pid: str) -> list[Row]:
        self._drop("keys", lambda k: k == pid)
        return []

    def _profile_get(self, pid: str) -> list[Row]:
        row = self._get("profiles", pid)
        return [(row["sealed"],)] if row else []

    def _profile_put(self, pid: str, sealed: bytes) -> list[Row]:
        self._put("profiles", pid, {"sealed": sealed})
        return []

    def _profile_drop(self, pid: str) -> list[Row]:
        self._drop("profiles", lambda k: k == pid)
        return []

    def _lookup_get(self, h: str) -> list[Row]:
        row = self._get("lookups", h)
        return [(row["person_id"],)] if row else []

    def _lookup_owned(self, h: str) -> list[Row]:
        row = self._get("lookups", h)
        return [(row["purpose"], row["person_id"])] if row else []

    def _lookup_claim(self, h: str, purpose: str, pid: str, ttl: int) -> list[Row]:
        row = self._get("lookups", h)
        if row:
            return [(False, h, row["person_id"], row["purpose"])]
        self._put("lookups", h, {"purpose": purpose, "person_id": pid}, ttl)
        return [(True,)]

    def _lookup_keep(self, purpose: str, pid: str, h: str, owner: str) -> list[Row]:
        row = self._get("lookups", h)
        if not row or row["person_id"] != owner:
            return [(False,)]
        self._put("lookups", h, {"purpose": purpose, "person_id": pid})
        return [(True,)]

    def _lookup_release(self, h: str, owner: str) -> list[Row]:
        row = self._get("lookups", h)
        if not row or row["person_id"] != owner:
            return [(False,)]
        self._drop("lookups", lambda k: k == h)
        return [(True,)]

    def _lookups_of(self, pid: str) -> list[Row]:
        return [(k[1],) for k, _ in self._rows("lookups_of", lambda k: k[0] == pid)]

    def _lookup_of_put(self, pid: str, h: str) -> list[Row]:
        self._put("lookups_of", (pid, h), {})
        return []

    def _lookup_of_drop(self, pid: str, h: str) -> list[Row]:
        self._drop("lookups_of", lambda k: k == (pid, h))
        return []

    def _lookups_of_drop(self, pid: str) -> list[Row]:
        self._drop("lookups_of", lambda k: k[0] == pid)
        return []

    def _token_consume(self, token_id: str, expires_at: datetime, ttl: int) -> list[Row]:
        if self._get("consumed", token_id):
            return [(False, token_id, expires_at)]
        self._put("consumed", token_id, {"expires_at": _ms(expires_at)}, ttl)
        return [(True,)]

    def _token_current_put(self, subject: str, token_id: str, expires_at: datetime,
                           ttl: int) -> list[Row]:
        self._put("current", subject, {"token_id": token_id, "expires_at": _ms(expires_at)}, ttl)
        return []

    def _token_current_get(self, subject: str) -> list[Row]:
        row = self._get("current", subject)
        return [(row["token_id"], row["expires_at"])] if row else []

    def _outbox_put(self, day: str, at: datetime, mid: str, pid: str, sealed: bytes) -> list[Row]:
        self._put("outbox", (day, _ms(at), mid), {"person_id": pid, "sealed": sealed})
        return []

    def _outbox_of_put(self, pid: str, day: str, at: datetime, mid: str) -> list[Row]:
        self._put("outbox_of", (pid, day, _ms(at), mid), {})
        return []

    def _outbox_day_put(self, day: str) -> list[Row]:
        self._put("outbox_days", day, {})
        return []

    def _outbox_days(self) -> list[Row]:
        return [(k,) for k, _ in reversed(self._rows("outbox_days"))]

    def _outbox_of_day(self, day: str, limit: int) -> list[Row]:
        rows = [(k[2], c["person_id"], k[1], c["sealed"])
                for k, c in reversed(self._rows("outbox", lambda k: k[0] == day))]
        return rows[:limit]

    def _outbox_of(self, pid: str) -> list[Row]:
        return [k[1:] for k, _ in self._rows("outbox_of", lambda k: k[0] == pid)]

    def _outbox_drop(self, day: str, at: datetime, mid: str) -> list[Row]:
        self._drop("outbox", lambda k: k == (day, _ms(at), mid))
        return []

    def _outbox_of_drop(self, pid: str, day: str, at: datetime, mid: str) -> list[Row]:
        self._drop("outbox_of", lambda k: k == (pid, day, _ms(at), mid))
        return []

    def _outbox_of_drop_person(self, pid: str) -> list[Row]:
        self._drop("outbox_of", lambda k: k[0] == pid)
        return []

    def _outbox_day_drop(self, day: str) -> list[Row]:
        self._drop("outbox_days", lambda k: k == day)
        return []

    def _tat_get(self, key: str) -> list[Row]:
        row = self._get("tat", key)
        return [(row["tat"],)] if row else []

    def _tat_new(self, key: str, tat: float, ttl: int) -> list[Row]:
        row = self._get("tat", key)
        if row:
            return [(False, key, row["tat"])]
        self._put("tat", key, {"tat": tat}, ttl)
        return [(True,)]

    def _tat_move(self, ttl: int, tat: float, key: str, expected: float) -> list[Row]:
        row = self._get("tat", key)
        if not row or row["tat"] != expected:
            return [(False, row["tat"] if row else None)]
        self._put("tat", key, {"tat": tat}, ttl)
        return [(True,)]

    def _tat_drop(self, key: str, expected: float) -> list[Row]:
        row = self._get("tat", key)
        if not row or row["tat"] != expected:
            return [(False, row["tat"] if row else None)]
        self._drop("tat", lambda k: k == key)
        return [(True,)]


def _ms(at: datetime) -> datetime:
    """A Cassandra timestamp: milliseconds, read back naive in UTC."""
    at = at.astimezone(UTC).replace(tzinfo=None)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)
