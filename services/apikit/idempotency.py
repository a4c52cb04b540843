"""`Idempotency-Key` on state-changing calls (DESIGN §5): the first answer to a
key is stored in the read store; a retry with the same key and the same request
gets that answer again, without running the command twice; the same key with a
different request is refused (422).

A pure ASGI middleware, because it must see the raw body and the full response.
Answers of 5xx are not stored: the client should be able to retry those.
Requests with the same key are serialised in this process; across processes, a
retry racing its original may run twice (the domain's stream-version key still
refuses a second creation of the same aggregate).

The answers are written by a small group writer: every answer waiting at that
moment goes into ONE read-store transaction, so concurrent requests share a
write lock (and a commit) instead of queueing for it one by one behind the
projection workers (ADR 0020). A request still holds its key's lock until its
own answer is committed, so a retry in this process never runs the command twice;
the request itself no longer waits for that commit (its answer was always sent
before being stored).

Answers are kept `keep_s` (PARLONS_IDEMPOTENCY_KEEP_S, a day by default): a retry
comes seconds or minutes after its request, and a stored answer older than that
is neither replayed nor kept. The front that stores them deletes them, about
every `PURGE_EVERY` seconds, in the background (ADR 0103): the table no longer
grows with every keyed request ever made.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.apikit.key_locks import KeyLocks
from services.store.port import Doc, ReadStore

log = logging.getLogger("parlons.idempotency")

TABLE = "runtime_idempotency_keys"
HEADER = b"idempotency-key"
REPLAYED_HEADER = b"idempotent-replayed"
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEPT_HEADERS = frozenset({b"content-type", b"location"})
KEY_MAX = 200  # characters of an Idempotency-Key; the API routes declare the same bound
KEEP_S = 86_400.0  # seconds an answer is replayed and kept
PURGE_EVERY = 3_600.0  # seconds between two deletions of the expired answers


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, store: Callable[[], ReadStore],
                 keep_s: float = KEEP_S, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self._store = store
        self._keys = KeyLocks()
        self._answers = _AnswerWriter(store, keep_s, clock, self._keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        raw_key = None
        for name, value in scope["headers"]:  # the last one wins, as in a dict
            if name == HEADER:
                raw_key = value
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        if not 0 < len(raw_key) <= KEY_MAX:
            await _send_json(send, 422, {
                "error": "invalid_idempotency_key", "field": "Idempotency-Key",
                "message": f"La clé d'idempotence doit compter de 1 à {KEY_MAX} caractères."})
            return
        body, receive = await _buffer_body(receive)
        fingerprint = _fingerprint(scope, body)
        # Scoped by the caller's credentials: the same key sent by two people are two
        # keys, so one person can never be answered another's stored response.
        # Hashed: neither the client's key nor the credentials are stored.
        key = hashlib.sha256(_caller(scope) + b"\0" + raw_key).hexdigest()
        turn = self._keys.take(key)
        if turn is not None:  # a request with the same key runs: wait for its end
            await self._keys.wait(key, turn)
        handed_over = False  # once True, the answer writer releases the key
        try:
            store = self._store()
            try:
                known = await store.get(TABLE, key[:2], key)
            except Exception:
                await _send_json(send, 503, _UNAVAILABLE)
                return
            if known is not None and self._answers.replayable(known):
                await self._replay(known, fingerprint, send)
                return
            answer = await self._run(scope, receive, send)
            if answer is not None and answer["status"] < 500:
                # The answer is already sent (it always was before being stored):
                # the request ends now, the key stays locked until its answer is
                # committed, so a retry in this process waits, then replays it.
                answer["fingerprint"] = fingerprint
                self._answers.put(key, answer)
                handed_over = True
        finally:
            if not handed_over:
                self._keys.release(key)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> dict[str, Any] | None:
        """Runs the request; its answer as stored, less its fingerprint and time."""
        status = 0
        headers: list[list[str]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend([k.decode("latin-1"), v.decode("latin-1")]
                               for k, v in message.get("headers", [])
                               if k.lower() in _KEPT_HEADERS)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        if not status:
            return None
        return {"status": status, "headers": headers,
                "body": base64.b64encode(b"".join(chunks)).decode()}

    async def _replay(self, known: dict[str, Any], fingerprint: str, send: Send) -> None:
        if known["fingerprint"] != fingerprint:
            await _send_json(send, 422, {
                "error": "idempotency_key_reused", "field": "Idempotency-Key",
                "message": "Cette clé d'idempotence a déjà servi pour une requête différente. "
                           "Utilisez une nouvelle clé pour une nouvelle demande."})
            return
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in known["headers"]]
        await send({"type": "http.response.start", "status": known["status"],
                    "headers": [*headers, (REPLAYED_HEADER, b"true")]})
        await send({"type": "http.response.body", "body": base64.b64decode(known["body"])})


class _AnswerWriter:
    """Group commit of stored answers: every answer queued while a transaction
    runs goes into the next one. Each answer's key is released once its
    transaction has ended, committed or not (a failed one means a retry re-runs)."""

    MAX_PER_TRANSACTION = 500

    def __init__(self, store: Callable[[], ReadStore], keep_s: float,
                 clock: Callable[[], float], keys: KeyLocks) -> None:
        self._store = store
        self._keep_s = keep_s
        self._clock = clock
        self._keys = keys
        self._queued: list[tuple[str, Doc]] = []
        self._flushing: asyncio.Task[None] | None = None
        self._purging: asyncio.Task[int] | None = None
        self._purged_at = clock()  # the first purge an interval after the first answer

    def replayable(self, answer: Doc) -> bool:
        """Whether a stored answer is still within `keep_s` (ADR 0103)."""
        return not _expired(answer, self._clock() - self._keep_s)

    def put(self, key: str, answer: Doc) -> None:
        """Queues `answer` (the caller's, no longer used by it) with its time;
        the caller's `key` is released once it is stored."""
        now = self._clock()
        answer["stored_at"] = now
        self._queued.append((key, answer))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush())
        if now - self._purged_at >= PURGE_EVERY and (
                self._purging is None or self._purging.done()):
            self._purged_at = now
            self._purging = asyncio.get_running_loop().create_task(
                purge_expired(self._store(), now - self._keep_s))

    async def _flush(self) -> None:
        while self._queued:
            group = self._queued[: self.MAX_PER_TRANSACTION]
            del self._queued[: self.MAX_PER_TRANSACTION]
            try:
                async with self._store().transaction() as tx:
                    for key, answer in group:
                        await tx.put(TABLE, key[:2], key, answer)
            except Exception:  # the answers are sent; retries of these keys will re-run
                log.warning("idempotency answers not stored", extra={"answers": len(group)})
            finally:
                for key, _ in group:
                    self._keys.release(key)


def _expired(answer: Doc, before: float) -> bool:
    """Stored before `before`, or before answers carried their time (ADR 0103)."""
    stored_at = answer.get("stored_at")
    return not isinstance(stored_at, int | float) or stored_at < before


async def purge_expired(store: ReadStore, before: float) -> int:
    """Delete the answers stored before `before`; how many were. A failure is
    logged, not raised: the next purge tries again, and expired answers are never
    replayed meanwhile."""
    expired: list[tuple[str, str]] = []
    try:
        async for partition, key, answer in store.scan(TABLE):
            if _expired(answer, before):
                expired.append((partition, key))
        for start in range(0, len(expired), _AnswerWriter.MAX_PER_TRANSACTION):
            async with store.transaction() as tx:
                for partition, key in expired[start:start + _AnswerWriter.MAX_PER_TRANSACTION]:
                    await tx.delete(TABLE, partition, key)
    except Exception:
        log.warning("expired idempotency answers not deleted", exc_info=True)
        return 0
    return len(expired)


async def move_answers(source: ReadStore, target: ReadStore) -> int:
    """Move the answers kept in `source` to `target`; how many were. Once, at the
    start, when the answers got a store of their own (ADR 0116): a retry of a
    request answered before the upgrade is still replayed. Nothing to move is one
    read. Copied before deleted, so two processes moving at once, or a crash in
    between, lose none (a copy put twice is the same answer)."""
    moved = 0
    page = _AnswerWriter.MAX_PER_TRANSACTION
    while True:
        answers: list[tuple[str, str, Doc]] = []
        async for row in source.scan(TABLE):  # keyset pages: no cursor left open
            answers.append(row)
            if len(answers) >= page:
                break
        if not answers:
            return moved
        async with target.transaction() as tx:
            for partition, key, answer in answers:
                await tx.put(TABLE, partition, key, answer)
        async with source.transaction() as tx:
            for partition, key, _ in answers:
                await tx.delete(TABLE, partition, key)
        moved += len(answers)


_UNAVAILABLE = {"error": "unavailable",
                "message": "Le service est momentanément indisponible. Réessayez dans un instant."}


def _caller(scope: Scope) -> bytes:
    """Who is asking, as far as the transport tells: the Authorization header and
    the session cookie (any cookie whose name ends with `_session`)."""
    parts: list[bytes] = []
    for name, value in scope["headers"]:
        if name == b"authorization":
            parts.append(b"a=" + value)
        elif name == b"cookie":
            for cookie in value.split(b";"):
                cname, _, cvalue = cookie.strip().partition(b"=")
                if cname.endswith(b"_session"):
                    parts.append(b"c=" + cname + b"=" + cvalue)
    return b"\0".join(sorted(parts))


def _fingerprint(scope: Scope, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(),
                 scope.get("query_string", b""), body):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole body, and give downstream a `receive` that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # a disconnect: let downstream see an empty body
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = orjson.dumps(payload)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
