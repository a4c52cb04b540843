"""How `parlons replay --all` shares the services out between processes (ADR 0121)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.runtime.replay_jobs import child_environment, feeds_outside_view, share_out
from services.runtime.settings import Settings
from services.search.indexer import SearchIndexer
from services.vote.projections import TalliesProjection


def test_each_service_goes_heaviest_first_to_the_lightest_process() -> None:
    weights = {"search": 100.0, "moderation": 90.0, "synthesis": 70.0, "deposit": 50.0,
               "vote": 30.0}
    assert share_out(weights, {"search"}, 2) == [
        ["search", "deposit", "vote"], ["moderation", "synthesis"]]


def test_the_pinned_services_and_those_reading_nothing_stay_in_this_process() -> None:
    weights = {"search": 1.0, "identity": 0.0, "deposit": 500.0, "vote": 400.0}
    own, *children = share_out(weights, {"search"}, 3)
    assert own == ["identity", "search"]
    assert children == [["deposit"], ["vote"]]


def test_more_processes_than_services_leave_the_extra_ones_nothing() -> None:
    weights = {"search": 100.0, "deposit": 60.0, "vote": 30.0}
    assert share_out(weights, {"search"}, 5) == [["search"], ["deposit"], ["vote"]]


def test_one_job_keeps_everything_here() -> None:
    assert share_out({"a": 5.0, "b": 3.0}, set(), 1) == [["a", "b"]]


def test_only_a_projection_with_a_view_outside_the_store_is_pinned() -> None:
    assert feeds_outside_view(SearchIndexer.__new__(SearchIndexer))
    assert not feeds_outside_view(TalliesProjection())


def test_a_child_gets_every_setting_even_those_set_in_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import SecretStr

    mine = Settings(data_dir=tmp_path / "var", event_log="kafka", kafka_bootstrap="broker:9093",
                    kafka_sasl_password=SecretStr("s3cret"), read_store_layout="per_service",
                    kafka_idempotent_producer=True, command_timeout_s=2.5)
    monkeypatch.setenv("PARLONS_EVENT_LOG_PATH", "/elsewhere/events.db")  # unset in `mine`

    env = child_environment(mine)
    for key in [k for k in os.environ if k.startswith("PARLONS_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("PARLONS_"):
            monkeypatch.setenv(key, value)

    theirs = Settings()
    assert theirs.kafka_sasl_password.get_secret_value() == "s3cret"
    assert theirs.model_dump(exclude={"data_dir"}) == mine.model_dump(exclude={"data_dir"})
    assert theirs.data_dir == (tmp_path / "var").resolve()
    assert theirs.event_log_path is None
