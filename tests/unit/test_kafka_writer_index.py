"""The Kafka log's writer index tells a log gone back (broker amnesia) from a
watermark fetched before this process's own append was acknowledged."""

from __future__ import annotations

from services.eventlog.kafka_index import Where, WriterIndex

TP = ("moderation.events", 3)


def _index_with(records: int) -> WriterIndex:
    index = WriterIndex()
    for offset in range(records):
        index.observe(f"e-{offset}", f"s-{offset}", 1, Where(*TP, offset))
    return index


def test_an_end_fetched_before_an_own_acknowledged_append_is_not_a_log_gone_back() -> None:
    # The freshness check asks the ends with the index at 1; meanwhile this
    # process's append at offset 1 is acknowledged (the index moves to 2) and the
    # fetch's answer, made before that append, says the partition ends at 1.
    index = _index_with(1)
    asked_at = dict(index.next_offset)
    index.observe("e-1", "s-1", 1, Where(*TP, 1))
    assert index.next_offset[TP] == 2
    assert index.behind({TP: 1}, asked_at) == []


def test_an_end_below_what_was_observed_when_it_was_asked_is_a_log_gone_back() -> None:
    index = _index_with(2)
    asked_at = dict(index.next_offset)
    assert index.behind({TP: 1}, asked_at) == ["moderation.events/3: ends at 1, below 2"]
    assert index.behind({TP: 2}, asked_at) == []
    assert index.behind({("vote.events", 0): 0}, asked_at) == []  # never observed
