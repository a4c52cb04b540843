"""Ports of the identity service besides the vault (`vault.py`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


class TokenLedger(ABC):
    """Remembers consumed single-use tokens (magic links) until they expire, and
    which token of a subject is the current one."""

    @abstractmethod
    async def consume(self, token_id: str, expires_at: datetime) -> bool:
        """True the first time `token_id` is consumed, False on every reuse."""

    @abstractmethod
    async def make_current(self, subject: str, token_id: str, expires_at: datetime) -> None:
        """`token_id` becomes `subject`'s one valid token of its kind: the one made
        current before it no longer is (a new magic link revokes the previous)."""

    @abstractmethod
    async def is_current(self, subject: str, token_id: str) -> bool:
        """Is `token_id` the token last made current for `subject`."""

    @abstractmethod
    async def purge(self, now: datetime) -> int:
        """Forget tokens already expired (they fail on expiry anyway)."""


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message written to the local outbox instead of being sent. The body and
    recipient are sealed with the person's vault key: erasing them shreds it."""

    message_id: str
    person_id: str
    created_at: datetime
    sealed: bytes


class OutboxStore(ABC):
    @abstractmethod
    async def add(self, message: OutboxMessage) -> None: ...

    @abstractmethod
    async def recent(self, limit: int = 50) -> list[OutboxMessage]: ...

    @abstractmethod
    async def delete_person(self, person_id: str) -> None: ...

    @abstractmethod
    async def purge(self, before: datetime) -> int:
        """Delete messages written before `before` (retention)."""


@dataclass(frozen=True, slots=True)
class Mail:
    person_id: str
    to: str
    subject: str
    body: str


class Mailer(ABC):
    @abstractmethod
    async def send(self, mail: Mail) -> None: ...
