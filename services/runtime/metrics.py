"""Prometheus metrics. One `CollectorRegistry` per container, so two apps in the
same test process never share or collide on a metric.

Every label is bounded: a route template (never a raw path), a status class, a
command class name, a topic, a consumer group. No id, no address, no token
(ADR 0055). The dashboard (deploy/grafana-dashboard.json) and the alerts
(k8s/base/monitoring/) query these names: a test checks them against a live
scrape."""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

# Appends are fsynced or acknowledged by a broker: milliseconds, sometimes more.
_APPEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Pages and API calls: a millisecond for a cached page, seconds for an export.
_HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# The outcomes of a command (`parlons_commands_total{outcome}`).
OUTCOMES = ("ok", "refused", "conflict", "unavailable", "error")
# The parts /readyz checks (`parlons_ready{component}`).
COMPONENTS = ("event_log", "read_store")
# The parts of a process still getting ready (`parlons_starting{part}`, ADR 0123).
STARTING = ("commands", "decisions")


class Children:
    """A labelled metric's children kept by their label values (given in the
    metric's label order): a dict lookup per use instead of `labels()`'s lock and
    validation, ~1 µs each, four times per ballot and once per request for the
    HTTP durations. Every label is bounded (see above), so is this dict."""

    __slots__ = ("_known", "_metric")

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._known: dict[tuple[str, ...], Any] = {}

    def of(self, *values: str) -> Any:
        child = self._known.get(values)
        if child is None:
            child = self._known[values] = self._metric.labels(*values)
        return child


class Tally:
    """A count kept by one thread (the event loop's) that a gauge reads when scraped."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def read(self) -> float:
        return float(self.value)


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

        # -- HTTP (services/runtime/http_metrics.py) --------------------------------
        self.http_duration = Histogram(
            "parlons_http_request_duration_seconds",
            "HTTP requests by method, route template (never the raw path) and status class.",
            ["method", "route", "status_class"], buckets=_HTTP_BUCKETS, registry=self.registry,
        )
        self.http_in_flight = Gauge(
            "parlons_http_requests_in_flight", "HTTP requests being served.",
            registry=self.registry,
        )
        # Counted by the HTTP front on the loop, read when scraped: no lock taken
        # twice per request as Gauge.inc/dec would (ADR 0106).
        self.http_requests_in_flight = Tally()
        self.http_in_flight.set_function(self.http_requests_in_flight.read)
        self.rate_limited = Counter(
            "parlons_rate_limit_refusals",
            "Requests refused by a rate limit (answered 429), by route template.",
            ["route"], registry=self.registry,
        )
        # -- commands (Container.handle) -------------------------------------------
        self.commands = Counter(
            "parlons_commands",
            "Commands handled, by command type and outcome (ok, refused: a domain rule"
            " said no, conflict: a concurrent write, unavailable: the log could not make"
            " it durable, error: anything else).",
            ["command", "outcome"], registry=self.registry,
        )
        self.routed = Counter(
            "parlons_commands_routed",
            "Commands this process sent to their owning service's replicas (a front in"
            " the distributed topology), by command type and outcome: counted apart from"
            " parlons_commands_total, which the deciding replica counts, so that a sum"
            " over the fleet counts each command once. unavailable: no replica answered"
            " in time (the front's 504).",
            ["command", "outcome"], registry=self.registry,
        )
        self.command_duration = Histogram(
            "parlons_command_duration_seconds",
            "Time to handle a command, whatever its outcome.",
            ["command"], buckets=_HTTP_BUCKETS, registry=self.registry,
        )
        # -- readiness, refreshed at each scrape and each /readyz ------------------
        self.ready = Gauge(
            "parlons_ready",
            "1 when this component answered its last ping (event log, read store).",
            ["component"], registry=self.registry,
        )
        self.starting = Gauge(
            "parlons_starting",
            "1 while this part of the process is still getting ready (ADR 0123): a "
            "replica not yet in its command group (commands), a front whose event log "
            "is still being prepared to decide (decisions).",
            ["part"], registry=self.registry,
        )
        for part in STARTING:
            self.starting.labels(part=part).set(0)
        ProcessCollector(registry=self.registry)  # CPU, memory, open files

    def subscription(self, group: str) -> None:
        """Create a consumer group's series at zero, so that the first dead letter
        or error is an increase an alert can see (a series born at 1 is not)."""
        for counter in (self.dead_letters, self.handler_errors, self.transient_errors,
                        self.events_projected):
            counter.labels(subscription=group)
        self.log_behind.labels(subscription=group).set(0)

    def render(self) -> bytes:
        return generate_latest(self.registry)
