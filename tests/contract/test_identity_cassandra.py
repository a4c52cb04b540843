"""The identity ports' contract (vault, token ledger, outbox) against a real
Cassandra, when CASSANDRA_CONTACT_POINTS is set; skipped, and says so, otherwise.

    CASSANDRA_CONTACT_POINTS=127.0.0.1 .venv/bin/pytest -q tests/contract/test_identity_cassandra.py

The same variables as tests/contract/test_store_cassandra.py (keyspace
`parlons_contract` unless CASSANDRA_KEYSPACE says otherwise; the runtime uses
PARLONS_CASSANDRA_IDENTITY_KEYSPACE, ADR 0077)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from identity_contract import OnCassandra
from test_store_cassandra import CONTACT_POINTS, config

pytestmark = pytest.mark.skipif(
    not CONTACT_POINTS,
    reason="CASSANDRA_CONTACT_POINTS is not set: the Cassandra identity contract run is skipped")


class TestCassandraIdentity(OnCassandra):
    @pytest.fixture(autouse=True)
    def _session(self) -> Iterator[None]:
        from services.identity.cassandra import IdentityCql

        # connected at the first statement, on the test's own event loop
        self.db = IdentityCql(config())  # type: ignore[arg-type]
        yield
        self.db.shutdown()
