"""The writer index's levelled runs merge large runs in a thread (ADR 0126): the
caller does not wait for the merge, and a lookup made meanwhile finds every row
added, those being merged and those added since included."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from services.eventlog.kafka_index_runs import Levels, Run, digests


def _run(names: list[str], first_position: int) -> Run:
    hi, lo = digests(names)
    return Run.of(hi, lo, [np.arange(first_position, first_position + len(names),
                                     dtype=np.uint64)])


def _positions(levels: Levels, names: list[str]) -> list[set[int]]:
    return [{int(run.columns[0][row]) for run, row in found} for found in levels.find(names)]


@pytest.fixture
def merges_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Every merge made in a thread waits until the event is set (10 s at most:
    a merge made by the caller then fails the test by its slowness)."""
    release = threading.Event()
    merged = Run.merged

    def held_back(self: Run, newer: Run) -> Run:
        if threading.current_thread() is not threading.main_thread():
            release.wait(10)
        return merged(self, newer)

    monkeypatch.setattr(Run, "merged", held_back)
    yield release
    release.set()


def test_the_caller_does_not_wait_for_a_large_merge_and_finds_every_row_meanwhile(
        merges_held: threading.Event) -> None:
    levels = Levels(first=4, in_thread_from=10)
    names = [f"e-{n}" for n in range(40)]
    for k in range(0, 8, 4):  # two runs: the second fits level 0 once the first moved on
        levels.add(_run(names[k:k + 4], k))
    assert levels.wait_for_merges(5)
    for k in range(8, 40, 4):  # these merges would copy past 10 rows: held in the thread
        began = time.perf_counter()
        levels.add(_run(names[k:k + 4], k))
        assert time.perf_counter() - began < 3, "the add waited for its merge"
        assert _positions(levels, names[:k + 4]) == [{p} for p in range(k + 4)]
    assert not levels.wait_for_merges(0.1), "the merges were not held in the thread"
    merges_held.set()
    assert levels.wait_for_merges(10)
    assert len(levels) == 40
    assert _positions(levels, names) == [{p} for p in range(40)]
    assert _positions(levels, ["e-never"]) == [set()]


def test_rows_are_found_as_a_plain_model_says_whatever_merges_are_in_flight() -> None:
    # names added again (a duplicate written apart from its original) keep every
    # position; each add is looked up at once, its merge most likely still going
    rng = random.Random(20261207)
    levels = Levels(first=3, growth=2, in_thread_from=0)
    model: dict[str, set[int]] = {}
    position = 0
    for _ in range(400):
        names = [f"n-{rng.randrange(600)}" for _ in range(rng.randrange(1, 6))]
        levels.add(_run(names, position))
        for n, name in enumerate(names):
            model.setdefault(name, set()).add(position + n)
        position += len(names)
        asked = [*rng.sample(sorted(model), min(10, len(model))), "never"]
        assert _positions(levels, asked) == [model.get(name, set()) for name in asked]
    assert levels.wait_for_merges(10)
    assert _positions(levels, sorted(model)) == [model[name] for name in sorted(model)]
    assert len(levels) == position


def test_a_merge_that_fails_leaves_its_runs_found_and_the_next_add_merges_them(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    merged = Run.merged
    failures = [MemoryError()]

    def failing_once(self: Run, newer: Run) -> Run:
        if failures:
            raise failures.pop()
        return merged(self, newer)

    monkeypatch.setattr(Run, "merged", failing_once)
    levels = Levels(first=2, in_thread_from=0)
    names = [f"e-{n}" for n in range(8)]
    levels.add(_run(names[:2], 0))
    levels.add(_run(names[2:4], 2))  # its merge fails
    assert levels.wait_for_merges(5)
    assert "a merge of the writer index's runs failed" in caplog.text
    assert _positions(levels, names[:4]) == [{0}, {1}, {2}, {3}]
    levels.add(_run(names[4:8], 4))
    assert levels.wait_for_merges(5)
    assert _positions(levels, names) == [{p} for p in range(8)]
    assert len(levels) == 8
