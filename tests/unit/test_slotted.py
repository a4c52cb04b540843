from __future__ import annotations

import dataclasses
import itertools
import pickle
from datetime import UTC, datetime

import pytest

from services.core.envelope import Actor, Envelope
from services.core.slotted import fast_init, maker
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
        assert "_lend" in cls.__init__.__code__.co_names  # the twin's path (ADR 0112)
        assert maker(cls) is not cls
    e = Envelope(type="vote.BallotCast", schema_version=1, stream="s", stream_version=1,
                 data={}, actor=Actor("p", "participant"),
                 occurred_at=datetime.now(UTC), correlation_id="c")
    assert len(e.event_id) == 36 and e.recorded_at is None and e.causation_id is None


def test_an_instance_built_through_the_twin_is_its_own_class_and_frozen() -> None:
    made = [Sample("x", 3, [1], "k", e=4), maker(Sample)("x", 3, [1], "k", e=4),
            maker(Sample)(a="x", b=3, c=[1], d="k", e=4)]
    for one in made:
        assert type(one) is Sample and isinstance(one, Sample)  # never left as the twin
        assert one == made[0] and repr(one) == repr(made[0])
        with pytest.raises(dataclasses.FrozenInstanceError):
            one.a = "changed"  # type: ignore[misc]
        # nor its class lent again (a slotted dataclass's frozen `__setattr__` raises
        # a TypeError for a name that is not a field)
        with pytest.raises((dataclasses.FrozenInstanceError, TypeError)):
            one.__class__ = type(one)  # type: ignore[misc]
        assert dataclasses.replace(one, b=9) == Sample("x", 9, [1], "k", e=4)
        assert pickle.loads(pickle.dumps(one)) == one
    assert maker(Sample)("y").d != maker(Sample)("y").d  # the factory runs each time
    assert hash(maker(Actor)("p", "participant")) == hash(Actor("p", "participant"))
    with pytest.raises(TypeError):
        maker(Sample)()  # the same signature as the class's


def test_a_class_built_through_the_twin_cannot_be_subclassed() -> None:
    # A subclass's instances would be handed the base class back at the end of
    # `__init__`, losing their own.
    with pytest.raises(TypeError, match="cannot be subclassed"):
        class Wider(Sample):
            pass


def test_a_class_with_a_base_keeps_the_descriptors_path() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Base:
        pass

    @fast_init
    @dataclasses.dataclass(frozen=True, slots=True)
    class Child(Base):
        a: int
        b: str = "b"

    child = Child(1)
    assert (child.a, child.b) == (1, "b") and type(child) is Child
    assert "_lend" not in Child.__init__.__code__.co_names
    assert maker(Child) is Child
    with pytest.raises(dataclasses.FrozenInstanceError):
        child.a = 2  # type: ignore[misc]


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
