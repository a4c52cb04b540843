"""The partition reader sizes each fetch on aiokafka's fetcher (ADR 0058): the
sizes it sets, and reads left to the construction's sizes, with a warning, should
a version of aiokafka rename the attributes."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from services.eventlog import kafka_reader


def fetcher() -> SimpleNamespace:
    return SimpleNamespace(_max_partition_fetch_bytes=1 << 20, _fetch_max_bytes=50 << 20,
                           _fetch_max_wait_ms=1)


def test_a_fetch_asks_for_the_bytes_of_the_records_it_keeps_and_its_wait() -> None:
    consumer = SimpleNamespace(_fetcher=fetcher())
    kafka_reader._ask_for(consumer, records=3, partitions=4, wait_ms=100)
    assert consumer._fetcher._max_partition_fetch_bytes == 3 * 1024
    assert consumer._fetcher._fetch_max_bytes == 4 * 3 * 1024
    assert consumer._fetcher._fetch_max_wait_ms == 100

    kafka_reader._ask_for(consumer, records=0, partitions=1, wait_ms=1)
    assert consumer._fetcher._max_partition_fetch_bytes == 1024  # the watermarks alone
    kafka_reader._ask_for(consumer, records=5000, partitions=2, wait_ms=1)
    assert consumer._fetcher._max_partition_fetch_bytes == 1 << 20  # at most 1 MiB


def test_a_fetcher_without_the_sizes_is_left_alone_and_said_once(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka_reader, "_warned", [])
    consumer = SimpleNamespace(_fetcher=SimpleNamespace(max_wait=1))
    with caplog.at_level(logging.WARNING, logger=kafka_reader.__name__):
        for _ in range(3):
            kafka_reader._ask_for(consumer, records=10, partitions=1, wait_ms=100)
    assert vars(consumer._fetcher) == {"max_wait": 1}
    assert len([r for r in caplog.records if "no longer takes" in r.message]) == 1
