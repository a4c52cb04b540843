"""A Kafka stream's records are fetched back in runs of nearby offsets (one fetch
each), never one fetch per event nor one long stretch of other streams' records."""

from __future__ import annotations

from services.eventlog.kafka import _RUN_GAP, _runs


def test_nearby_offsets_make_one_run_and_distant_ones_another() -> None:
    assert _runs([]) == []
    assert _runs([7]) == [(7, 7)]
    assert _runs([3, 4, 9, 40]) == [(3, 40)]
    far = 40 + _RUN_GAP + 1
    assert _runs([3, 40, far, far + 2]) == [(3, 40), (far, far + 2)]
