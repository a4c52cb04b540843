"""A faster `__init__` for frozen, slotted dataclasses made by the million.

A frozen dataclass's generated `__init__` stores each field with
`object.__setattr__(self, name, value)`: a lookup of the attribute through the
type, then the generic setter, twelve times for an envelope. The log builds two
envelopes and a record for every event it writes (the caller's, the stamped one,
the `Recorded` answer) and every reader one envelope per event decoded.
`fast_init` replaces that `__init__` (ADR 0091). The signature, the defaults and
the default factories are the dataclass's own; the class stays frozen (assigning
a field still raises).

For a class whose only base is `object` (the envelope, the actor, the record),
the new `__init__` lends the instance, for the length of its stores, the class
of an unfrozen twin with the same slots (`__class__` assignment, which Python
allows between classes of the same layout): there a store is a plain attribute
store, which the interpreter specialises into a direct write to the slot. The
instance gets its own class back at the end, so nothing outside `__init__` ever
sees the twin: a third of the time of calling each slot's descriptor
(`Cls.field.__set__`), which other classes still get (ADR 0112). Such a class
cannot be subclassed: a subclass's instances would be given the base class back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_FACTORY = object()  # a field with a default_factory was not given
_MAKERS: dict[type, type] = {}  # a class made by fast_init -> its twin


def fast_init(cls: type[T]) -> type[T]:
    """Give `cls` (a `@dataclass(frozen=True, slots=True)`) the slot-storing
    `__init__`. Only plain fields are supported: no `init=False`, no `InitVar`,
    no `__post_init__`."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__")
    fields = dataclasses.fields(cls)
    twin = _twin(cls)
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY, "_Cls": cls, "_Twin": twin,
                                 "_lend": object.__setattr__}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = ["    _lend(self, '__class__', _Twin)"] if twin else []
    for f in fields:
        if not f.init:
            raise TypeError(f"{cls.__name__}.{f.name} is not set by __init__")
        name = f.name
        if twin is None:
            namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        value = name
        if f.default is not dataclasses.MISSING:
            namespace[f"_default_{name}"] = f.default
            param = f"{name}=_default_{name}"
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{name}"] = f.default_factory
            param = f"{name}=_FACTORY"
            value = f"_factory_{name}() if {name} is _FACTORY else {name}"
        else:
            param = name
        (keyword if f.kw_only else positional).append(param)
        body.append(f"    self.{name} = {value}" if twin else f"    _set_{name}(self, {value})")
    if twin:
        body.append("    self.__class__ = _Cls")
        setattr(cls, "__init_subclass__", classmethod(_final))  # noqa: B010 - as below
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({params}):\n" + "\n".join(body or ["    pass"]) + "\n"
    if twin:  # the twin's own: the same stores, without the lending
        source += f"def _twin_init({params}):\n" + "\n".join(body[1:]) + "\n"
    # The source is made of the class's own field names, as dataclasses makes its own.
    exec(source, namespace)  # noqa: S102  # nosec B102
    if twin:
        setattr(twin, "__init__", namespace["_twin_init"])  # noqa: B010 - as below
        _MAKERS[cls] = twin
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses assigning a method
    return cls


def maker(cls: type[T]) -> Callable[..., T]:
    """What builds `cls`'s instances for less than `cls(...)` itself, for the few
    places that make them by the thousand a second (stamping, decoding): its
    twin, whose own `__init__` stores the fields and hands the instance its
    class; no lending. Takes `cls`'s arguments; `cls` itself for a class without
    a twin."""
    made: Callable[..., T] = _MAKERS.get(cls, cls)
    return made


def _twin(cls: type) -> type | None:
    """An unfrozen class of `cls`'s layout (the same slots, no other base), or
    None when `cls` has a base other than `object`: a twin would need the same
    bases, whose hooks (`__init_subclass__`, a frozen `__setattr__`) it must not run."""
    if cls.__bases__ != (object,):
        return None
    return type(f"{cls.__name__}Unfrozen", (), {"__slots__": cls.__dict__["__slots__"],
                                                "__module__": cls.__module__})


def _final(cls: type, /, **kwargs: Any) -> None:
    raise TypeError(f"{cls.__mro__[1].__name__} is built by fast_init: it cannot be subclassed")
