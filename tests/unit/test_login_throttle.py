"""Login throttling with backoff (ADR 0042), on a clock the test moves."""

from __future__ import annotations

from services.web.throttle import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_wait_doubles_with_each_failure_past_the_free_ones() -> None:
    clock = Clock()
    throttle = LoginThrottle("s", account_free=3, client_free=100, now=clock)
    keys = throttle.keys("orga", "192.0.2.1")
    waits = []
    for _ in range(7):
        assert throttle.wait(keys) == 0
        throttle.failed(keys)
        waits.append(throttle.wait(keys))
        clock.t += waits[-1]  # waits out the backoff, then fails again
    assert waits == [0, 0, 1, 2, 4, 8, 16]


def test_the_wait_is_capped_and_a_success_clears_the_account() -> None:
    clock = Clock()
    throttle = LoginThrottle("s", account_free=1, client_free=1000, max_seconds=60, now=clock)
    keys = throttle.keys("orga", "192.0.2.1")
    for _ in range(20):
        throttle.failed(keys)
        clock.t += throttle.wait(keys)
    throttle.failed(keys)
    assert throttle.wait(keys) == 60
    clock.t += 60
    throttle.succeeded(keys)
    throttle.failed(keys)
    assert throttle.wait(keys) == 1  # counting again from the start


def test_accounts_and_clients_are_counted_apart_and_never_in_clear() -> None:
    throttle = LoginThrottle("s", account_free=2, client_free=3, now=Clock())
    for name in ("a", "b", "c"):
        throttle.failed(throttle.keys(name, "192.0.2.1"))
    assert throttle.wait(throttle.keys("d", "192.0.2.1")) == 1  # the client waits
    assert throttle.wait(throttle.keys("a", "198.51.100.1")) == 0  # account "a": 1 failure
    assert all("192.0.2.1" not in k and k[1:] != "a" for k in throttle.keys("a", "192.0.2.1"))
    assert throttle.keys("Orga ", "x")[0] == throttle.keys("orga", "x")[0]
