"""The collector settled for the length of a batch command (`parlons replay`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from services.runtime.heap import YOUNG_GENERATION_THRESHOLD, collector_settled


@pytest.fixture
def unsettled() -> Iterator[tuple[int, int, int]]:
    """A process whose collector nobody settled; put back as found."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_the_heap_is_frozen_while_the_command_runs_and_handed_back_after(
        unsettled: tuple[int, int, int]) -> None:
    with collector_settled():
        assert gc.get_freeze_count() > 0  # what the process held before
        assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == unsettled


def test_a_process_settled_already_is_left_as_it_is(unsettled: tuple[int, int, int]) -> None:
    gc.freeze()
    with collector_settled():
        assert gc.get_threshold() == unsettled
    # Not unfrozen. (Not the exact count it had: a thread another test left running
    # may free frozen objects meanwhile, and each one freed lowers the count.)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == unsettled


def test_the_heap_is_handed_back_when_the_command_fails(
        unsettled: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), collector_settled():
        raise RuntimeError("the replay failed")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == unsettled
