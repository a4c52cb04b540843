from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.core.envelope import Actor, Envelope
from services.core.ids import uuid7


def test_uuid7_is_version_7_and_monotonic_within_a_process() -> None:
    ids = [uuid7() for _ in range(10_000)]
    assert all(u.version == 7 for u in ids)
    assert ids == sorted(ids, key=lambda u: u.int)
    assert len(set(ids)) == len(ids)
    assert isinstance(ids[0], uuid.UUID)


def test_envelope_round_trips_through_json() -> None:
    e = Envelope(
        type="consultation.ConsultationCreated", schema_version=1, stream="consultation-1",
        stream_version=1, data={"é": "à", "n": 3}, actor=Actor("p-1", "organiser"),
        occurred_at=datetime(2026, 11, 28, 9, 0, 0, 123456, tzinfo=UTC), correlation_id="c-1",
        consultation_id="1",
    )
    back = Envelope.from_json(e.to_json())
    assert back == e
    assert back.topic == "consultation.events"
    assert back.service == "consultation"
