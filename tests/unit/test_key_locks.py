"""KeyLocks: one holder per key, waiters served in order, a cancelled waiter never
keeps a key (services/apikit/key_locks.py)."""

from __future__ import annotations

import asyncio

import pytest

from services.apikit.key_locks import KeyLocks


async def test_a_free_key_is_taken_at_once_and_freed_on_release() -> None:
    keys = KeyLocks()
    assert keys.take("a") is None
    assert keys.take("b") is None  # another key is not held by the first
    assert len(keys) == 2
    keys.release("a")
    keys.release("b")
    assert len(keys) == 0
    assert keys.take("a") is None


async def test_holders_of_one_key_follow_each_other_in_order() -> None:
    keys = KeyLocks()
    order: list[str] = []

    async def hold(name: str) -> None:
        turn = keys.take("k")
        if turn is not None:
            await keys.wait("k", turn)
        order.append(f"{name} in")
        await asyncio.sleep(0)
        order.append(f"{name} out")
        keys.release("k")

    await asyncio.gather(hold("first"), hold("second"), hold("third"))
    assert order == ["first in", "first out", "second in", "second out",
                     "third in", "third out"]
    assert len(keys) == 0


async def test_a_waiter_cancelled_in_line_is_skipped() -> None:
    keys = KeyLocks()
    assert keys.take("k") is None
    turns = [keys.take("k"), keys.take("k")]
    assert all(t is not None for t in turns)
    gave_up = asyncio.ensure_future(keys.wait("k", turns[0]))  # type: ignore[arg-type]
    waits = asyncio.ensure_future(keys.wait("k", turns[1]))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    gave_up.cancel()
    await asyncio.sleep(0)
    keys.release("k")  # the holder ends: the key goes to the second waiter
    await asyncio.wait_for(waits, 1)
    keys.release("k")
    assert len(keys) == 0


async def test_a_turn_given_just_before_a_cancellation_goes_to_the_next() -> None:
    keys = KeyLocks()
    assert keys.take("k") is None
    first, second = keys.take("k"), keys.take("k")
    cancelled = asyncio.ensure_future(keys.wait("k", first))  # type: ignore[arg-type]
    waits = asyncio.ensure_future(keys.wait("k", second))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    keys.release("k")  # the turn is given to `cancelled`...
    cancelled.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await asyncio.wait_for(waits, 1)  # it passed the key on
    keys.release("k")
    assert len(keys) == 0


async def test_releasing_a_key_not_held_is_an_error() -> None:
    with pytest.raises(KeyError):
        KeyLocks().release("nobody")
