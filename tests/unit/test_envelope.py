from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from services.core.envelope import Actor, Envelope
from services.core.ids import new_id, uuid7
from services.core.values import iso


def test_uuid7_is_version_7_and_monotonic_within_a_process() -> None:
    ids = [uuid7() for _ in range(10_000)]
    assert all(u.version == 7 for u in ids)
    assert ids == sorted(ids, key=lambda u: u.int)
    assert len(set(ids)) == len(ids)
    assert isinstance(ids[0], uuid.UUID)


def test_new_id_is_the_text_of_a_uuid7_and_sorts_by_creation() -> None:
    ids = [new_id() for _ in range(10_000)]
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 7 for i in ids)
    assert all(uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_new_id_and_uuid7_share_one_clock_and_draw_their_random_bits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time
    from types import SimpleNamespace

    import services.core.ids as ids_module

    # A clock stopped on one millisecond: 6,000 ids overflow its 12-bit counter,
    # which then borrows the next milliseconds.
    now_ns = time.time_ns()
    monkeypatch.setattr(ids_module, "time", SimpleNamespace(time_ns=lambda: now_ns))
    ids: list[str] = []
    for n in range(6_000):  # interleaved
        ids.append(new_id() if n % 3 else str(uuid7()))
    assert len({i[:13] for i in ids}) >= 2  # the counter did overflow
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    made = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in made)
    # the variant digit keeps two random bits; the last 12 digits are random too
    assert {i[19] for i in ids} == set("89ab")
    assert len({i[24:] for i in ids}) == len(ids)


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


def test_recorded_keeps_every_field_but_the_stamp() -> None:
    from dataclasses import fields, replace

    e = Envelope(
        type="vote.BallotCast", schema_version=2, stream="ballot-1", stream_version=3,
        data={"choice": "agree"}, actor=Actor("p-1", "participant"),
        occurred_at=datetime(2026, 1, 2, tzinfo=UTC), correlation_id="c-1",
        causation_id="e-0", consultation_id="c-9",
    )
    at = datetime(2026, 1, 3, tzinfo=UTC)
    assert e.recorded(at) == replace(e, recorded_at=at)
    assert len(fields(Envelope)) == 12  # a new field must be copied by `recorded` too


def test_to_data_is_asdict_without_its_cost() -> None:
    import dataclasses
    from typing import Any, NamedTuple

    from services.core.events import DomainEvent

    @dataclasses.dataclass(frozen=True, slots=True)
    class Part:
        name: str
        sizes: tuple[int, ...]

    class Point(NamedTuple):
        x: int
        y: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Sample(DomainEvent):
        title: str
        count: int
        ratio: float
        flag: bool
        missing: None
        tags: tuple[str, ...]
        parts: list[Part]
        extra: dict[str, Any]
        where: Any = None

    plain = Sample("t", 1, 0.5, True, None, ("a", "b"), [Part("p", (1, 2))],
                   {"k": [1, {"n": None}]})
    unusual = dataclasses.replace(plain, where=Point(1, 2))  # left to asdict
    for event in (plain, unusual):
        data = event.to_data()
        expected = dataclasses.asdict(event)
        assert data == expected
        assert [type(v) for v in data.values()] == [type(v) for v in expected.values()]
        assert data["extra"] is not event.extra and data["extra"]["k"] is not event.extra["k"]
    assert type(unusual.to_data()["where"]) is Point


def test_a_refusal_template_raises_a_fresh_instance_each_time() -> None:
    """A shared instance would grow its traceback with every raise (a leak of
    every refused request's frames)."""
    from services.core.errors import DomainError

    template = DomainError("code", "Message.", field="f")
    raised = []
    for _ in range(3):
        try:
            raise template()
        except DomainError as e:
            raised.append(e)
    assert len({id(e) for e in raised}) == 3 and template.__traceback__ is None
    assert all((e.code, e.message, e.field) == ("code", "Message.", "f") for e in raised)


@pytest.mark.parametrize("occurred_at", [
    datetime(2026, 1, 2, tzinfo=UTC),  # no microseconds: none written
    datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2))),  # another zone
])
@pytest.mark.parametrize("recorded_at", [None, datetime(2026, 1, 3, 0, 0, 0, 120000, tzinfo=UTC)])
def test_the_log_s_encoding_is_the_json_of_to_dict(
    occurred_at: datetime, recorded_at: datetime | None
) -> None:
    e = Envelope(
        type="vote.BallotCast", schema_version=2, stream="ballot-1", stream_version=3,
        data={"choice": "agree", "at": "2026-01-02T00:00:00Z", "n": [1, 2.5, None]},
        actor=Actor("p-1", "participant"), occurred_at=occurred_at, correlation_id="c-1",
        recorded_at=recorded_at,
    )
    assert e.to_json() == orjson.dumps(e.to_dict())
    stamp = datetime(2026, 1, 4, tzinfo=UTC)
    assert e.encode(iso(stamp)) == orjson.dumps(e.recorded(stamp).to_dict())


def test_the_log_s_encoding_refuses_a_naive_time() -> None:
    e = Envelope(
        type="vote.BallotCast", schema_version=2, stream="ballot-1", stream_version=3,
        data={}, actor=Actor("p-1", "participant"), occurred_at=datetime(2026, 1, 2),
        correlation_id="c-1",
    )
    with pytest.raises(ValueError):
        e.encode(None)


def test_a_stable_id_is_the_reshaped_uuid5_of_its_key() -> None:
    """`stable_id` hashes directly instead of building a UUIDv5 first: the ids
    already in logs must not change (a replayed decision must meet its old id)."""
    import uuid as uuid_module

    from services.core.ids import stable_id, uuid7_shaped

    namespace = uuid_module.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
    for key in ["", "moderation:abc-123", "é" * 300, *(new_id() for _ in range(200))]:
        expected = uuid7_shaped(uuid_module.uuid5(namespace, key).bytes)
        assert stable_id(namespace, key) == expected
        assert uuid_module.UUID(expected).version == 7
