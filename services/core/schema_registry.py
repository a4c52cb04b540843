"""The schema registry: JSON Schemas of the envelope and of every event type and
version (`schemas/`), and the topic table (`schemas/topics.yaml`).

It validates events (naming the field at fault), tells which topic and key an
event goes to, and lists what exists so tests can check coverage and
compatibility.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson
import yaml

from services.core.envelope import Envelope
from services.core.errors import InvalidEvent, UnknownEventType

DEFAULT_SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
_VERSION_FILE = re.compile(r"^v(\d+)\.json$")


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    key: str  # "stream" or "data.<field>"
    partitions: int
    replication_factor: int
    min_insync_replicas: int
    retention_ms: int  # -1: keep forever (the log is the source of truth)
    cleanup_policy: str = "delete"


class SchemaRegistry:
    def __init__(self, root: Path = DEFAULT_SCHEMAS_DIR) -> None:
        self.root = root
        # jsonschema's validators, made when an event fails its compiled check (to
        # name the field at fault): importing jsonschema costs ~1 s of every
        # process's start-up, so neither it nor they are made up front. Each
        # schema's own validity is checked by the tests (tests/unit/test_schemas.py).
        self._validators: dict[tuple[str, int], Any] = {}
        # Compiled checks for the common case, a valid event (~20x faster than
        # jsonschema's interpreter, which cost ~150 us per append).
        self._fast: dict[tuple[str, int], Callable[[Any], Any]] = {}
        self._schemas: dict[tuple[str, int], dict[str, Any]] = {}
        for type_dir in sorted((root / "events").iterdir()):
            if not type_dir.is_dir():
                continue
            for f in sorted(type_dir.iterdir()):
                m = _VERSION_FILE.match(f.name)
                if m:
                    self._schemas[(type_dir.name, int(m.group(1)))] = orjson.loads(
                        f.read_bytes())
        self.envelope_schema = orjson.loads((root / "envelope" / "v1.json").read_bytes())
        self._envelope: Any = None  # its jsonschema validator, as `_validators`
        self._fast_envelope: Callable[[Any], Any] | None = None
        self.topics: dict[str, TopicSpec] = _load_topics(root / "topics.yaml")
        # the command topics of the distributed topology (ADR 0035): no events there
        self.command_topics: dict[str, TopicSpec] = _load_topics(root / "topics.yaml",
                                                                 "commands")

    # -- what exists ---------------------------------------------------------
    def event_types(self) -> list[tuple[str, int]]:
        return sorted(self._schemas)

    def versions(self, event_type: str) -> list[int]:
        return sorted(v for t, v in self._schemas if t == event_type)

    def schema(self, event_type: str, version: int) -> dict[str, Any]:
        try:
            return self._schemas[(event_type, version)]
        except KeyError:
            raise UnknownEventType(event_type, version) from None

    # -- validation ----------------------------------------------------------
    def validate(self, event: Envelope) -> None:
        """Raise `InvalidEvent` naming the first field at fault."""
        key = (event.type, event.schema_version)
        fast = self._fast_check(key)
        document = event.to_dict()
        if self._fast_envelope is None:
            self._fast_envelope = _compiled(self.envelope_schema)
        if fast is not None and event.topic in self.topics and _passes(
                self._fast_envelope, document) and _passes(fast, event.data):
            return
        if self._envelope is None:
            self._envelope = _jsonschema_validator(self.envelope_schema)
        _raise_first(event.type, self._envelope.iter_errors(document), "")
        validator = self._validator(key)
        if validator is None:
            raise UnknownEventType(event.type, event.schema_version)
        _raise_first(event.type, validator.iter_errors(event.data), "data")
        if event.topic not in self.topics:
            raise InvalidEvent(event.type, "type", f"no topic '{event.topic}' in topics.yaml")

    def _fast_check(self, key: tuple[str, int]) -> Callable[[Any], Any] | None:
        """Compiled on first use: compiling all schemas up front costs ~1 s."""
        if key not in self._fast and key in self._schemas:
            self._fast[key] = _compiled(self._schemas[key])
        return self._fast.get(key)

    def _validator(self, key: tuple[str, int]) -> Any:
        if key not in self._validators and key in self._schemas:
            self._validators[key] = _jsonschema_validator(self._schemas[key])
        return self._validators.get(key)

    def validate_data(self, event_type: str, version: int, data: dict[str, Any]) -> None:
        validator = self._validator((event_type, version))
        if validator is None:
            raise UnknownEventType(event_type, version)
        _raise_first(event_type, validator.iter_errors(data), "data")

    # -- routing -------------------------------------------------------------
    def topic(self, event: Envelope) -> TopicSpec:
        try:
            return self.topics[event.topic]
        except KeyError:
            raise InvalidEvent(event.type, "type", f"no topic '{event.topic}'") from None

    def key(self, event: Envelope) -> str:
        """The partitioning key: ordering holds per key (DESIGN §3)."""
        spec = self.topics.get(event.topic)
        if spec is None or spec.key == "stream":
            return event.stream
        value = event.data.get(spec.key.removeprefix("data."))
        return str(value) if value is not None else event.stream


def _compiled(schema: dict[str, Any]) -> Callable[[Any], Any]:
    # formats are not asserted, as in jsonschema's default: both must agree
    check: Callable[[Any], Any] = fastjsonschema.compile(schema, formats={"date-time": ".*"})
    return check


def _passes(check: Callable[[Any], Any], instance: Any) -> bool:
    try:
        check(instance)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _jsonschema_validator(schema: dict[str, Any]) -> Any:
    from jsonschema import Draft202012Validator  # see SchemaRegistry.__init__

    return Draft202012Validator(schema)


def _raise_first(event_type: str, errors: Any, prefix: str) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(errors)
    if error is None:
        return
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        # the missing property is the field at fault, not its parent
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        path = ".".join(p for p in (path, *missing[:1]) if p)
    elif error.validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        path = ".".join(p for p in (path, *extra[:1]) if p)
    field = ".".join(p for p in (prefix, path) if p) or "(root)"
    raise InvalidEvent(event_type, field, error.message)


def _load_topics(path: Path, section: str = "topics") -> dict[str, TopicSpec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = raw.get("defaults", {})
    topics: dict[str, TopicSpec] = {}
    for name, spec in (raw.get(section) or {}).items():
        merged = {**defaults, **(spec or {})}
        topics[name] = TopicSpec(
            name=name,
            key=merged.get("key", "stream"),
            partitions=int(merged["partitions"]),
            replication_factor=int(merged["replication_factor"]),
            min_insync_replicas=int(merged["min_insync_replicas"]),
            retention_ms=int(merged["retention_ms"]),
            cleanup_policy=merged.get("cleanup_policy", "delete"),
        )
    return topics
