"""Runtime pieces on their own: settings, JSON logs, the validating log,
the composition root, the CLI's replay and the demo seed."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness.cli import logging_restored

from services.core.envelope import Actor, Envelope
from services.core.errors import InvalidEvent
from services.core.events import set_correlation_id
from services.core.schema_registry import SchemaRegistry
from services.eventlog.memory import MemoryEventLog
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.logging import JsonFormatter
from services.runtime.metrics import Metrics
from services.runtime.settings import Settings
from services.runtime.validating_log import ValidatingEventLog
from services.runtime.worker import Worker


def test_settings_come_from_parlons_environment_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PARLONS_EVENT_LOG", "kafka")
    monkeypatch.setenv("PARLONS_KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    monkeypatch.setenv("PARLONS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PARLONS_WORKER_RETRIES", "7")
    monkeypatch.setenv("PARLONS_VALIDATE_EVENTS", "false")
    s = Settings()
    assert (s.event_log, s.kafka_bootstrap, s.worker_retries, s.validate_events) == (
        "kafka", "127.0.0.1:19092", 7, False)
    assert s.read_db == tmp_path / "read.db"
    monkeypatch.setenv("PARLONS_EVENT_LOG", "postgres")
    with pytest.raises(ValueError, match="event_log"):
        Settings()


def _log_line(logger: str, message: str, **extra: object) -> dict[str, object]:
    record = logging.getLogger(logger).makeRecord(
        logger, logging.INFO, __file__, 1, message, (), None, extra=extra)
    line: dict[str, object] = json.loads(JsonFormatter().format(record))
    return line


def test_json_log_lines_carry_the_correlation_id_and_extra_fields() -> None:
    set_correlation_id("req-7")
    line = _log_line("parlons.test", "projected", subscription="consultation.catalogue",
                     records=3)
    assert line["message"] == "projected"
    assert line["level"] == "INFO"
    assert line["logger"] == "parlons.test"
    assert line["correlation_id"] == "req-7"
    assert line["subscription"] == "consultation.catalogue"
    assert line["records"] == 3
    assert str(line["time"]).endswith("Z")


def test_json_log_lines_never_carry_emails_ips_or_tokens() -> None:
    line = _log_line(
        "parlons.test", "login of alice@example.org from 192.168.1.20 and 2001:db8::1:42",
        client_ip="10.0.0.1", email="bob@example.org", access_token="s3cr3t",
        session_id="abc", note="ping 10.1.2.3",
    )
    text = json.dumps(line)
    for secret in ("alice@example.org", "192.168.1.20", "2001:db8::1:42", "10.0.0.1",
                   "bob@example.org", "s3cr3t", "abc", "10.1.2.3"):
        assert secret not in text, secret
    assert "[email]" in str(line["message"]) and "[ip]" in str(line["message"])


def test_scrubbing_skips_only_patterns_a_text_cannot_hold() -> None:
    """`scrub` runs a pattern only when its own character ("@", ".", ":") is there:
    the same text as the three substitutions run every time, on texts built from the
    characters the patterns turn on."""
    from services.runtime.logging import _EMAIL, _IPV4, _IPV6, scrub

    def every_pattern(text: str) -> str:
        return _IPV6.sub("[ip]", _IPV4.sub("[ip]", _EMAIL.sub("[email]", text)))

    rng = random.Random(20261206)
    alphabet = "@.:af09x-_ /[]"
    texts = ["request", "/api/items/0193-p08/ballot", "a@b.fr", "10.0.0.1", "::1", "fe80::1:2",
             "::ffff:10.1.2.3", "x@y.z.com from 2001:db8::1 and 1.2.3.4", "1.2.3", "a:b:c"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
              for _ in range(5000)]
    for text in texts:
        assert scrub(text) == every_pattern(text), text


def test_a_librarys_routine_info_lines_are_kept_out_its_warnings_in(
        restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    from services.runtime.logging import configure_logging

    configure_logging("INFO")
    chatty = logging.getLogger("aiokafka.consumer.subscription_state")
    chatty.info("Updating subscribed topics to: frozenset({'vote.events'})")
    chatty.warning("a partition went missing")
    logging.getLogger("parlons.worker").info("caught up")
    lines = capsys.readouterr().err.splitlines()
    assert [json.loads(line)["message"] for line in lines] == [
        "a partition went missing", "caught up"]


def test_the_access_log_has_no_client_address(caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    import httpx

    from services.runtime.app import create_app

    container = bootstrap(Settings(event_log="memory", read_store="memory"))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("parlons.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)

    async def call() -> None:
        transport = httpx.ASGITransport(app=create_app(container), client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/healthz?token=abc123", headers={"X-Request-Id": "r-1"})

    try:
        asyncio.run(call())
    finally:
        access.removeHandler(handler)
    [line] = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["correlation_id"] == "r-1"
    assert "203.0.113.9" not in stream.getvalue() and "abc123" not in stream.getvalue()


def _event(data: dict[str, object]) -> Envelope:
    return Envelope(type="consultation.ConsultationCreated", schema_version=1,
                    stream="consultation-c-1", stream_version=1, data=data,
                    actor=Actor.system(), occurred_at=datetime.now(UTC), correlation_id="c")


def _valid_data() -> dict[str, object]:
    example: dict[str, object] = SchemaRegistry().schema(
        "consultation.ConsultationCreated", 1)["examples"][0]
    return dict(example)


async def test_the_validating_log_refuses_an_invalid_event_naming_the_field() -> None:
    inner, metrics = MemoryEventLog(), Metrics()
    log = ValidatingEventLog(inner, registry=SchemaRegistry(), metrics=metrics)
    with pytest.raises(InvalidEvent) as refused:
        await log.append([_event({**_valid_data(), "slug": "Pas Un Slug"})])
    assert refused.value.field == "data.slug"
    assert await inner.read("consultation.events") == []
    assert metrics.registry.get_sample_value(
        "parlons_event_append_failures_total", {"reason": "invalid"}) == 1


async def test_the_validating_log_counts_appends_but_not_duplicates() -> None:
    metrics = Metrics()
    log = ValidatingEventLog(MemoryEventLog(), registry=SchemaRegistry(), metrics=metrics)
    event = _event(_valid_data())
    await log.append([event])
    await log.append([event])  # a retried append: the log answers it as a duplicate
    labels = {"type": "consultation.ConsultationCreated"}
    assert metrics.registry.get_sample_value("parlons_events_appended_total", labels) == 1
    assert metrics.registry.get_sample_value(
        "parlons_event_append_seconds_count", {"topic": "consultation.events"}) == 2


async def test_validation_can_be_turned_off() -> None:
    log = ValidatingEventLog(MemoryEventLog(), registry=SchemaRegistry(), metrics=Metrics(),
                             validate=False)
    await log.append([_event({**_valid_data(), "slug": "Pas Un Slug"})])
    assert len(await log.read("consultation.events")) == 1


def test_bootstrap_builds_nothing_heavy_for_memory_and_binds_handlers() -> None:
    container = bootstrap(Settings(event_log="memory", read_store="memory"))
    assert [p.name for p in container.projections][:1] == ["consultation.catalogue"]
    assert container.handlers, "no command handler bound"
    assert isinstance(container.log, ValidatingEventLog)
    assert isinstance(container.log.inner, MemoryEventLog)
    with pytest.raises(LookupError, match="no projection 'nope'"):
        container.projection("nope")


def test_a_port_is_found_by_name_and_type_or_said_missing() -> None:
    from services.identity.service import IdentityPorts

    settings = Settings(event_log="memory", read_store="memory")
    assert isinstance(bootstrap(settings, services=["identity"]).port("identity", IdentityPorts),
                      IdentityPorts)
    with pytest.raises(LookupError, match=r"no port .identity. .*\(services: vote\)"):
        bootstrap(settings, services=["vote"]).port("identity", IdentityPorts)


def test_each_container_has_its_own_metrics_registry() -> None:
    a = bootstrap(Settings(event_log="memory", read_store="memory"))
    b = bootstrap(Settings(event_log="memory", read_store="memory"))
    a.metrics.handler_errors.labels(subscription="x").inc()
    assert b.metrics.registry.get_sample_value(
        "parlons_handler_errors_total", {"subscription": "x"}) is None


async def test_the_demo_is_seeded_once_through_the_command_handler() -> None:
    from services.runtime.demo import seed_demo

    container = bootstrap(Settings(event_log="memory", read_store="memory"))
    assert await seed_demo(container) is True
    assert await seed_demo(container) is False
    assert len(await container.log.read("consultation.events")) >= 1


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """`main()` configures the root logger for a process: undo that for the next tests."""
    with logging_restored():
        yield


Rows = list[tuple[str, str, dict[str, object]]]


async def _documents(tables: Callable[[Container], Iterable[str]],
                     projected_by: Callable[[Worker], bool] | None = None) -> dict[str, Rows]:
    """The rows of `tables`, read from the data folder of PARLONS_DATA_DIR. First, when
    `projected_by` is given: the demo seeded, then those of the workers run to the end
    (the process managers first: they append)."""
    from services.runtime.demo import seed_demo
    from services.runtime.runner import running

    container = bootstrap(Settings())
    async with running(container, workers=False):
        if projected_by is not None:
            await seed_demo(container)
            workers = [w for w in container.workers() if projected_by(w)]
            workers.sort(key=lambda w: w.consumer not in container.processes)
            for worker in workers:
                sub = await container.log.subscribe(worker.group, worker.consumer.topics)
                while await worker.run_once(sub):
                    pass
                await sub.close()
        return {t: [row async for row in container.store.scan(t)] for t in tables(container)}


@pytest.fixture
def data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                restore_logging: None) -> None:
    """The `parlons` commands and `_documents` on a new data folder."""
    monkeypatch.setenv("PARLONS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PARLONS_WORKER_POLL_TIMEOUT", "0.05")


@pytest.mark.usefixtures("data_folder")
def test_replay_rebuilds_the_same_documents_from_the_sqlite_log(
        capsys: pytest.CaptureFixture[str]) -> None:
    from services.consultation.projections import CATALOGUE
    from services.runtime.cli import main

    def catalogue(_: Container) -> list[str]:
        return [CATALOGUE]

    before = asyncio.run(_documents(
        catalogue, lambda w: w.group == "consultation.catalogue"))[CATALOGUE]
    assert before, "nothing projected: the replay would prove nothing"

    assert main(["replay", "consultation.catalogue"]) == 0
    out = capsys.readouterr().out
    assert "consultation.catalogue:" in out and f"{CATALOGUE}: {len(before)}" in out

    assert asyncio.run(_documents(catalogue))[CATALOGUE] == before
    assert main(["replay", "nope"]) == 2


@pytest.mark.usefixtures("data_folder")
def test_replay_all_rebuilds_every_read_model_as_the_workers_made_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    from services.runtime.cli import main

    before = asyncio.run(_documents(_every_table, lambda w: True))
    assert sum(map(len, before.values())) > 50, "too little projected to prove anything"

    assert main(["replay", "--all"]) == 0
    out = capsys.readouterr().out
    assert "every projection rebuilt" in out and "search.indexer: " in out

    assert asyncio.run(_documents(_every_table)) == before
    assert main(["replay"]) == 2
    assert main(["replay", "consultation.catalogue", "--all"]) == 2
    assert main(["replay", "consultation.catalogue", "--jobs", "2"]) == 2
    assert main(["replay", "--all", "--jobs", "0"]) == 2


def _every_table(container: Container) -> list[str]:
    return [t for p in container.projections for t in p.tables]


def _and_marks(container: Container) -> list[str]:
    from services.runtime.amnesia import MARKS

    return [*_every_table(container), MARKS]


async def _guards() -> dict[str, list[tuple[str, int]]]:
    """Each projection's guards, read from the data folder of PARLONS_DATA_DIR."""
    from services.runtime.runner import running

    container = bootstrap(Settings())
    async with running(container, workers=False):
        return {p.name: [g async for g in container.store.guards(p.name)]
                for p in container.projections}


@pytest.fixture
def children_started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The services of each child `parlons replay --all` gives a share to."""
    from services.runtime import replay_jobs

    started: list[list[str]] = []
    assign = replay_jobs.Child.assign

    async def recorded(child: replay_jobs.Child, services: list[str],
                       side: Path | None) -> None:
        if services:
            started.append(list(services))
        await assign(child, services, side)

    monkeypatch.setattr(replay_jobs.Child, "assign", recorded)
    return started


@pytest.mark.usefixtures("data_folder")
@pytest.mark.parametrize("layout", ["shared", "per_service"])
def test_replay_all_shared_out_between_processes_rebuilds_the_same_read_models(
        layout: str, children_started: list[list[str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from services.runtime.cli import main

    monkeypatch.setenv("PARLONS_READ_STORE_LAYOUT", layout)
    asyncio.run(_documents(_every_table, lambda w: True))
    assert main(["replay", "--all", "--jobs", "1"]) == 0  # the marks as a replay writes them
    before, guards = asyncio.run(_documents(_and_marks)), asyncio.run(_guards())

    capsys.readouterr()
    assert main(["replay", "--all", "--jobs", "3"]) == 0

    out = capsys.readouterr().out
    assert "by 2 processes" in out
    assert "applied (0.0 s, child process 1)" in out.split("consultation.catalogue: ")[1]
    assert ", child" not in out.split("search.indexer: ")[1].split("\n")[0]
    # the demo's log: the consultations' events (and the search index's, pinned here)
    assert children_started == [["consultation"]]
    assert asyncio.run(_documents(_and_marks)) == before
    assert asyncio.run(_guards()) == guards and guards["consultation.catalogue"]
    assert not list(tmp_path.glob("*.replay-*")), "a child's file was left behind"


@pytest.mark.usefixtures("data_folder")
def test_a_failed_child_fails_the_replay_and_the_next_one_rebuilds_everything(
        children_started: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from services.runtime import replay_jobs
    from services.runtime.cli import main

    before = asyncio.run(_documents(_every_table, lambda w: True))
    environment = replay_jobs.child_environment
    monkeypatch.setattr(replay_jobs, "child_environment", lambda settings: {
        **environment(settings), "PARLONS_READ_STORE_LAYOUT": "nowhere"})  # refused

    assert main(["replay", "--all", "--jobs", "2"]) == 1
    assert "failed" in capsys.readouterr().err
    assert children_started
    assert not list(tmp_path.glob("*.replay-*"))
    assert asyncio.run(_documents(_every_table)) != before  # the child's share is missing

    monkeypatch.setattr(replay_jobs, "child_environment", environment)
    assert main(["replay", "--all", "--jobs", "2"]) == 0
    assert asyncio.run(_documents(_every_table)) == before
