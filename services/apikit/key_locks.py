"""One holder at a time per key, in this process, for keys that are almost never
contended (an `Idempotency-Key`: a retry racing its original).

A `WeakValueDictionary` of `asyncio.Lock`s made a lock, a coroutine to acquire it
and, inside the dictionary's `setdefault`, a `KeyError` raised and caught for
every new key: ~1.5 µs a request, for a key that nobody else asks for. Here a key
in use is an entry of a plain dict, with the futures of the requests waiting for
it, if any: taking a free key allocates nothing and never suspends (ADR 0114).
"""

from __future__ import annotations

import asyncio
from collections import deque


class KeyLocks:
    def __init__(self) -> None:
        # key -> futures of the requests waiting for it (usually none), in order
        self._held: dict[str, deque[asyncio.Future[None]] | None] = {}

    def take(self, key: str) -> asyncio.Future[None] | None:
        """None when `key` was free and is now the caller's; otherwise a future to
        pass to `wait`, set when the caller's turn comes."""
        held = self._held
        if key not in held:
            held[key] = None
            return None
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiting = held[key]
        if waiting is None:
            waiting = held[key] = deque()
        waiting.append(turn)
        return turn

    async def wait(self, key: str, turn: asyncio.Future[None]) -> None:
        """Wait for the turn `take` gave. Cancelled meanwhile, the caller holds
        nothing: a turn it was given already goes to the next in line."""
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release(key)  # given just before the cancellation: pass it on
            raise

    def release(self, key: str) -> None:
        """Give `key` to the next waiting caller, or free it."""
        waiting = self._held[key]  # KeyError: releasing a key not held is a bug
        while waiting:
            turn = waiting.popleft()
            if not turn.done():  # a caller cancelled meanwhile is skipped
                turn.set_result(None)
                return
        del self._held[key]

    def __len__(self) -> int:
        """Keys held now."""
        return len(self._held)
