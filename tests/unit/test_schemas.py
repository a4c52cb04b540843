"""The event schemas: examples valid, every emitted type covered, versions
compatible or upcast, golden samples still decoding."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import orjson
import pytest

import services
from services.core.envelope import Envelope
from services.core.errors import InvalidEvent, UnknownEventType
from services.core.events import registered_event_types
from services.core.schema_compat import incompatibilities
from services.core.schema_registry import DEFAULT_SCHEMAS_DIR, SchemaRegistry
from services.core.upcasting import upcast, upcaster

GOLDEN = DEFAULT_SCHEMAS_DIR / "golden"


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry()


def _import_every_events_module() -> None:
    for mod in pkgutil.walk_packages(services.__path__, "services."):
        if mod.name.endswith(".events"):
            importlib.import_module(mod.name)


def test_every_schema_is_a_valid_json_schema(registry: SchemaRegistry) -> None:
    """Checked here, not when a process starts (jsonschema's import is ~1 s)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    faulty = []
    for key in [*registry.event_types()]:
        try:
            Draft202012Validator.check_schema(registry.schema(*key))
        except SchemaError as error:
            faulty.append(f"{key}: {error.message}")
    try:
        Draft202012Validator.check_schema(registry.envelope_schema)
    except SchemaError as error:
        faulty.append(f"envelope: {error.message}")
    assert not faulty


def test_every_schema_has_examples_that_validate(registry: SchemaRegistry) -> None:
    for event_type, version in registry.event_types():
        examples = registry.schema(event_type, version).get("examples", [])
        assert examples, f"{event_type} v{version} has no example"
        for example in examples:
            registry.validate_data(event_type, version, example)


def test_every_schema_is_a_closed_content_model(registry: SchemaRegistry) -> None:
    for event_type, version in registry.event_types():
        schema = registry.schema(event_type, version)
        assert schema.get("additionalProperties") is False, f"{event_type} v{version} is open"


def test_every_event_type_the_code_can_emit_has_a_schema(registry: SchemaRegistry) -> None:
    _import_every_events_module()
    declared = set(registered_event_types())
    assert declared, "no event class found: the walk is broken"
    missing = declared - set(registry.event_types())
    assert not missing, f"event classes without a schema: {sorted(missing)}"


def test_every_event_type_routes_to_a_declared_topic(registry: SchemaRegistry) -> None:
    for event_type, _ in registry.event_types():
        assert f"{event_type.split('.')[0]}.events" in registry.topics, event_type


def test_consecutive_versions_are_compatible_or_upcast(registry: SchemaRegistry) -> None:
    assert incompatibilities(registry) == []


def test_golden_samples_keep_decoding(registry: SchemaRegistry) -> None:
    samples = sorted(GOLDEN.glob("*.json"))
    assert samples, "golden samples are missing"
    for path in samples:
        event = upcast(Envelope.from_json(path.read_bytes()))
        registry.validate(event)
        # the event round-trips through the envelope unchanged
        assert Envelope.from_json(event.to_json()) == event


def test_there_is_a_golden_sample_per_event_type(registry: SchemaRegistry) -> None:
    have = {p.name.split(".v")[0] for p in GOLDEN.glob("*.json")}
    missing = {t for t, _ in registry.event_types()} - have
    assert not missing, f"no golden sample for {sorted(missing)}"


def test_invalid_event_names_the_field(registry: SchemaRegistry) -> None:
    good = Envelope.from_json((GOLDEN / "consultation.ConsultationCreated.v1.json").read_bytes())
    bad_data = {**good.data}
    del bad_data["slug"]
    with pytest.raises(InvalidEvent) as err:
        registry.validate(Envelope.from_dict({**good.to_dict(), "data": bad_data}))
    assert err.value.field == "data.slug"
    with pytest.raises(InvalidEvent) as err:
        registry.validate(Envelope.from_dict({**good.to_dict(),
                                              "data": {**good.data, "title": "x"}}))
    assert err.value.field == "data.title"
    with pytest.raises(InvalidEvent) as err:
        registry.validate(Envelope.from_dict({**good.to_dict(),
                                              "data": {**good.data, "extra": 1}}))
    assert err.value.field == "data.extra"


def test_personal_data_in_actor_id_is_refused(registry: SchemaRegistry) -> None:
    good = Envelope.from_json((GOLDEN / "consultation.ConsultationCreated.v1.json").read_bytes())
    d = good.to_dict()
    d["actor"] = {"id": "jean.dupont@example.org", "role": "participant"}
    with pytest.raises(InvalidEvent) as err:
        registry.validate(Envelope.from_dict(d))
    assert err.value.field == "actor.id"


def test_unknown_type_or_version_is_refused(registry: SchemaRegistry) -> None:
    good = Envelope.from_json((GOLDEN / "consultation.ConsultationCreated.v1.json").read_bytes())
    with pytest.raises(UnknownEventType):
        registry.validate(Envelope.from_dict({**good.to_dict(), "schema_version": 99}))


# -- the compatibility checker itself must be able to fail --------------------------------

def _write(root: Path, name: str, version: int, schema: dict) -> None:  # type: ignore[type-arg]
    d = root / "events" / name
    d.mkdir(parents=True, exist_ok=True)
    (d / f"v{version}.json").write_bytes(orjson.dumps(schema))


def _fixture_registry(tmp_path: Path, new_required: list[str]) -> SchemaRegistry:
    (tmp_path / "envelope").mkdir()
    (tmp_path / "envelope" / "v1.json").write_bytes((DEFAULT_SCHEMAS_DIR / "envelope" /
                                                     "v1.json").read_bytes())
    (tmp_path / "topics.yaml").write_text(
        "defaults: {partitions: 1, replication_factor: 1, min_insync_replicas: 1, "
        "retention_ms: -1}\ntopics:\n  testing.events: {}\n")
    base = {"type": "object", "additionalProperties": False,
            "properties": {"name": {"type": "string"}}, "required": ["name"],
            "examples": [{"name": "Lyon"}]}
    _write(tmp_path, "testing.PlaceNamed", 1, base)
    _write(tmp_path, "testing.PlaceNamed", 2, {
        **base,
        "properties": {"name": {"type": "string"}, "postcode": {"type": "string"}},
        "required": ["name", *new_required],
        "examples": [{"name": "Lyon", "postcode": "69001"}]})
    return SchemaRegistry(tmp_path)


def test_checker_accepts_an_optional_field(tmp_path: Path) -> None:
    assert incompatibilities(_fixture_registry(tmp_path, [])) == []


def test_checker_refuses_a_new_required_field_without_upcaster(tmp_path: Path) -> None:
    problems = incompatibilities(_fixture_registry(tmp_path, ["postcode"]))
    assert any("newly required ['postcode']" in p for p in problems)


def test_checker_accepts_a_new_required_field_with_an_upcaster(tmp_path: Path) -> None:
    registry = _fixture_registry(tmp_path, ["postcode"])

    @upcaster("testing.PlaceNamed", 1)
    def _add_postcode(data: dict) -> dict:  # type: ignore[type-arg]
        return {**data, "postcode": "00000"}

    assert incompatibilities(registry) == []
