"""A faster `__init__` for frozen, slotted dataclasses made by the million.

A frozen dataclass's generated `__init__` stores each field with
`object.__setattr__(self, name, value)`: a lookup of the attribute through the
type, then the generic setter, twelve times for an envelope. The log builds two
envelopes and a record for every event it writes (the caller's, the stamped one,
the `Recorded` answer) and every reader one envelope per event decoded.
`fast_init` replaces that `__init__` by one calling each slot's own descriptor
(`Cls.field.__set__`), which stores straight into the slot: about half the time
(ADR 0091). The signature, the defaults and the default factories are the
dataclass's own; the class stays frozen (assigning a field still raises).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

_FACTORY = object()  # a field with a default_factory was not given


def fast_init(cls: type[T]) -> type[T]:
    """Give `cls` (a `@dataclass(frozen=True, slots=True)`) the slot-storing
    `__init__`. Only plain fields are supported: no `init=False`, no `InitVar`,
    no `__post_init__`."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} has a __post_init__")
    fields = dataclasses.fields(cls)
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in fields:
        if not f.init:
            raise TypeError(f"{cls.__name__}.{f.name} is not set by __init__")
        name = f.name
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
        body.append(f"    _set_{name}(self, {value})")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({params}):\n" + "\n".join(body or ["    pass"]) + "\n"
    # The source is made of the class's own field names, as dataclasses makes its own.
    exec(source, namespace)  # noqa: S102  # nosec B102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses assigning a method
    return cls
