"""Prometheus metrics. One `CollectorRegistry` per container, so two apps in the
same test process never share or collide on a metric."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Appends are fsynced or acknowledged by a broker: milliseconds, sometimes more.
_APPEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.append_latency = Histogram(
            "parlons_event_append_seconds",
            "Time to append a batch of events durably to the log.",
            ["topic"], buckets=_APPEND_BUCKETS, registry=self.registry,
        )
        self.events_appended = Counter(
            "parlons_events_appended",
            "Events written to the log (duplicates by event_id not counted).",
            ["type"], registry=self.registry,
        )
        self.append_failures = Counter(
            "parlons_event_append_failures",
            "Appends refused or failed, by reason.",
            ["reason"], registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "parlons_consumer_lag",
            "Records appended but not yet committed, per subscription.",
            ["subscription"], registry=self.registry,
        )
        self.handler_errors = Counter(
            "parlons_handler_errors",
            "Failed attempts to project a batch or an event (not outages), per subscription.",
            ["subscription"], registry=self.registry,
        )
        self.transient_errors = Counter(
            "parlons_transient_errors",
            "Failed attempts of a subscription during an outage (store, log, index, I/O):"
            " retried without end, never dead-lettered.",
            ["subscription"], registry=self.registry,
        )
        self.dead_letters = Counter(
            "parlons_dead_letters",
            "Events skipped after their retries, with a runtime.HandlingFailed written.",
            ["subscription"], registry=self.registry,
        )
        self.events_projected = Counter(
            "parlons_events_projected",
            "Events applied by a projection (redeliveries skipped by the guard not counted).",
            ["subscription"], registry=self.registry,
        )

        self.log_behind = Gauge(
            "parlons_log_behind",
            "1 when this consumer stopped because the log lost events it had seen "
            "(broker amnesia, a topic re-created, an older log file): ADR 0032.",
            ["subscription"], registry=self.registry,
        )
        self.log_rewinds = Counter(
            "parlons_log_rewinds",
            "Times this process found the log behind what it had written or read.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
