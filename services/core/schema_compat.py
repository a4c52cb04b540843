"""Compatibility between consecutive versions of an event schema.

A reader of version N+1 must be able to read data written as version N: either
the change is backward compatible (nothing newly required, nothing removed, old
examples still valid), or an upcaster N -> N+1 exists and turns every old
example into valid N+1 data. Checked on every schema by tests/unit/test_schemas.py
(so by `make test` and CI before any release).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from jsonschema import Draft202012Validator

from services.core.schema_registry import SchemaRegistry
from services.core.upcasting import has_upcaster, upcast_data


def incompatibilities(registry: SchemaRegistry) -> list[str]:
    """Every problem found, as readable sentences; empty when all is well."""
    problems: list[str] = []
    for event_type in sorted({t for t, _ in registry.event_types()}):
        versions = registry.versions(event_type)
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"{event_type}: versions {versions} are not 1..N without gaps")
            continue
        for old, new in pairwise(versions):
            problems.extend(_pair(registry, event_type, old, new))
    return problems


def _pair(registry: SchemaRegistry, event_type: str, old: int, new: int) -> list[str]:
    old_schema = registry.schema(event_type, old)
    new_schema = registry.schema(event_type, new)
    validator = Draft202012Validator(new_schema)
    examples: list[dict[str, Any]] = old_schema.get("examples", [])
    where = f"{event_type} v{old}->v{new}"
    if has_upcaster(event_type, old):
        out = []
        for i, example in enumerate(examples):
            _, data = upcast_data(event_type, old, example)
            errors = validator.iter_errors(data)
            out += [f"{where}: upcast example {i}: {e.message}" for e in errors]
        return out
    out = []
    newly_required = set(new_schema.get("required", [])) - set(old_schema.get("required", []))
    if newly_required:
        out.append(f"{where}: newly required {sorted(newly_required)} without an upcaster")
    removed = set(old_schema.get("properties", {})) - set(new_schema.get("properties", {}))
    if removed:
        out.append(f"{where}: removed {sorted(removed)} without an upcaster")
    for i, example in enumerate(examples):
        out += [f"{where}: example {i}: {e.message}" for e in validator.iter_errors(example)]
    return out
