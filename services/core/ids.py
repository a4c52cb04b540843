"""Identifiers. UUIDv7 (RFC 9562) keeps event ids sortable by creation time."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
# Random bytes drawn from the OS 4 KiB at a time: one getrandom() call per id
# was a third of the cost of making one (an event id is made per event).
_POOL_BYTES = 4096
_pool = b""
_pool_at = 0


def _random_int(n: int) -> int:
    """`n` bytes from the OS's CSPRNG as an integer; call with `_lock` held."""
    global _pool, _pool_at
    if _pool_at + n > len(_pool):
        _pool, _pool_at = os.urandom(_POOL_BYTES), 0
    start = _pool_at
    _pool_at += n
    return int.from_bytes(_pool[start : start + n], "big")


def _tick() -> int:
    """The id's millisecond, and `_counter` moved on for it (the caller holds
    `_lock`): ids made in the same millisecond by this process stay monotonic."""
    global _last_ms, _counter
    ms = time.time_ns() // 1_000_000
    if ms <= _last_ms:
        _counter += 1
        if _counter > 0xFFF:  # counter exhausted: borrow the next millisecond
            _last_ms += 1
            _counter = 0
        return _last_ms
    _last_ms = ms
    _counter = _random_int(2) & 0x3FF  # leave headroom
    return ms


def _uuid7_int() -> int:
    """A UUIDv7 as an integer: 48-bit Unix milliseconds, then a 12-bit counter so
    ids made in the same millisecond by this process stay monotonic, then 62
    random bits."""
    with _lock:
        ms = _tick()
        counter = _counter
        rand = _random_int(8) & ((1 << 62) - 1)
    return ((ms & ((1 << 48) - 1)) << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand


def uuid7() -> uuid.UUID:
    return uuid.UUID(int=_uuid7_int())


# new_id's text pieces: the millisecond's 12 hex digits (formatted once per
# millisecond) and random hex digits drawn 8 KiB at a time (ADR 0091).
_prefix_ms = -1
_prefix = ""
_hex = ""
_hex_at = 0
# The variant's hex digit (RFC 9562: 0b10xx) keeping a random digit's two low bits.
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def new_id() -> str:
    """`str(uuid7())`, written as text from its parts: no 128-bit integer to build
    and slice (an event id is made per event). The same clock and counter as
    `uuid7`, so ids of either kind sort by creation."""
    global _prefix_ms, _prefix, _hex, _hex_at
    with _lock:
        ms = _tick()
        if ms != _prefix_ms:
            stamp = ms & ((1 << 48) - 1)
            _prefix, _prefix_ms = f"{stamp >> 16:08x}-{stamp & 0xFFFF:04x}-7", ms
        at = _hex_at
        if at + 16 > len(_hex):
            _hex, at = os.urandom(_POOL_BYTES * 2).hex(), 0
        _hex_at = at + 16
        r = _hex[at : at + 16]  # 62 random bits: the variant takes two of the 64
        return f"{_prefix}{_counter:03x}-{_VARIANT[r[0]]}{r[1:4]}-{r[4:]}"


def uuid7_shaped(raw: bytes) -> str:
    """16 bytes (a hash) shaped as the envelope's UUIDv7 (version 7, RFC variant),
    for ids that must be the same every time the same thing is decided, so the
    log's event-id idempotence turns a repetition into a no-op. The "time" bits
    are hash bits: these ids do not sort by time, which nothing relies on."""
    shaped = bytearray(raw[:16])
    shaped[6] = (shaped[6] & 0x0F) | 0x70
    shaped[8] = (shaped[8] & 0x3F) | 0x80
    h = shaped.hex()  # str(uuid.UUID(bytes=...)) without building the UUID
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def request_id(kind: str, owner: str, request_key: str) -> str:
    """The id of the `kind` aggregate `owner` creates under `request_key` (an
    Idempotency-Key, a form's one-time token): every attempt of one request, through
    any front, names the same aggregate (ADR 0038, 0078). A UUIDv7 key gives the id
    its 48-bit time prefix, so ids still sort by creation time; other keys a hash."""
    raw = bytearray(hashlib.sha256(f"{kind}\n{owner}\n{request_key}".encode()).digest()[:16])
    if _is_uuid7(request_key):
        raw[:6] = uuid.UUID(request_key).bytes[:6]  # a UUIDv7's Unix milliseconds
    return uuid7_shaped(bytes(raw))


def _is_uuid7(text: str) -> bool:
    """Whether `text` reads as a UUIDv7, without raising on the keys that do not
    (most API keys are not UUIDs, and an exception per request is not free)."""
    if len(text) < 32:  # shorter than any text uuid.UUID() accepts
        return False
    try:
        return uuid.UUID(text).version == 7
    except ValueError:
        return False


def stable_id(namespace: uuid.UUID, key: str) -> str:
    """The UUIDv7-shaped id of `key` in `namespace`: the UUIDv5 of `key`, reshaped.
    A UUIDv5 is the SHA-1 of the namespace's bytes and the key with its version and
    variant bits set, the very bits `uuid7_shaped` sets again, so the digest is
    reshaped directly (the same id, a quarter of the time: no UUID object)."""
    return uuid7_shaped(hashlib.sha1(namespace.bytes + key.encode(),  # an id, not a secret
                                     usedforsecurity=False).digest())
