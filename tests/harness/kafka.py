"""Settings for Kafka clients of the test session's Tansu broker (the broker
itself is the `tansu_broker` fixture of tests/conftest.py)."""

from __future__ import annotations

# Short group timeouts: on Tansu a consumer-group join takes about half the
# session timeout.
KAFKA_GROUP_TIMEOUTS = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 500,
                        "rebalance_timeout_ms": 1500}
