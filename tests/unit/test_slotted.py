from __future__ import annotations

import dataclasses
import itertools
import pickle
from datetime import UTC, datetime

import pytest

from services.core.envelope import Actor, Envelope
from services.core.slotted import fast_init
from services.eventlog.port import Recorded

_ids = itertools.count()


@fast_init
@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    a: str
    b: int = 2
    c: list[int] = dataclasses.field(default_factory=list)
    d: str = dataclasses.field(default_factory=lambda: f"id-{next(_ids)}")
    e: int | None = dataclasses.field(default=None, kw_only=True)


def test_fast_init_keeps_the_dataclass_s_signature_defaults_and_factories() -> None:
    one, two = Sample("x"), Sample("x")
    assert (one.a, one.b, one.c, one.e) == ("x", 2, [], None)
    assert one.c is not two.c  # a new list each time, as the factory makes
    assert one.d != two.d
    given = Sample("y", 3, [1], "mine", e=4)
    assert (given.a, given.b, given.c, given.d, given.e) == ("y", 3, [1], "mine", 4)
    assert Sample(a="z", d="k", c=[2], b=5) == Sample("z", 5, [2], "k")
    with pytest.raises(TypeError):
        Sample()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Sample("x", 1, [], "d", 5)  # type: ignore[call-arg]  # e is keyword-only
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.a = "changed"  # type: ignore[misc]
    assert dataclasses.replace(given, b=9).b == 9
    assert pickle.loads(pickle.dumps(given)) == given


def test_the_envelope_and_the_record_are_built_by_the_fast_init() -> None:
    # Fails if the decorator is dropped (the dataclass's own __init__ is back).
    for cls in (Envelope, Actor, Recorded):
        assert cls.__init__.__code__.co_filename == "<string>"
        assert "_set_" in " ".join(cls.__init__.__code__.co_names)
    e = Envelope(type="vote.BallotCast", schema_version=1, stream="s", stream_version=1,
                 data={}, actor=Actor("p", "participant"),
                 occurred_at=datetime.now(UTC), correlation_id="c")
    assert len(e.event_id) == 36 and e.recorded_at is None and e.causation_id is None


def test_fast_init_refuses_what_it_does_not_support() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class NotInit:
        a: int
        b: int = dataclasses.field(default=0, init=False)

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    for cls in (NoSlots, NotInit, PostInit):
        with pytest.raises(TypeError):
            fast_init(cls)
