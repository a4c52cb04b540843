"""The server secrets (ADR 0050): kept in the data folder in development,
required in production, never written for a throwaway platform."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from services.runtime.cli import main
from services.runtime.secrets import MissingSecret, persisted_secret, server_secrets
from services.runtime.settings import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_development_generates_once_then_reuses_private_files(tmp_path: Path) -> None:
    first = server_secrets(Settings(data_dir=tmp_path))
    again = server_secrets(Settings(data_dir=tmp_path))
    assert first == again and first.secret_key != first.identity_secret
    assert len(first.secret_key) >= 32
    folder = tmp_path / "secrets"
    assert _mode(folder) == 0o700
    assert _mode(folder / "secret_key") == 0o600 == _mode(folder / "identity_secret")
    assert sorted(p.name for p in folder.iterdir()) == ["identity_secret", "secret_key"]


def test_given_secrets_win_and_nothing_is_written(tmp_path: Path) -> None:
    s = server_secrets(Settings(data_dir=tmp_path, secret_key=SecretStr("k"),
                                identity_secret=SecretStr("i")))
    assert (s.secret_key, s.identity_secret) == ("k", "i")
    only_key = server_secrets(Settings(data_dir=tmp_path, secret_key=SecretStr("k")))
    assert only_key.identity_secret == "k"  # the documented fallback
    assert not (tmp_path / "secrets").exists()


def test_a_throwaway_platform_writes_no_secret(tmp_path: Path) -> None:
    s = server_secrets(Settings(data_dir=tmp_path, read_store="memory"))
    assert s.secret_key == "" and not (tmp_path / "secrets").exists()


def test_production_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    with pytest.raises(MissingSecret, match="PARLONS_SECRET_KEY et PARLONS_IDENTITY_SECRET"):
        server_secrets(Settings(data_dir=tmp_path, environment="production"))
    with pytest.raises(MissingSecret, match="PARLONS_IDENTITY_SECRET") as caught:
        server_secrets(Settings(data_dir=tmp_path, environment="production",
                                identity_secret=SecretStr("")))
    assert "docs/operations.md" in str(caught.value)
    assert not (tmp_path / "secrets").exists()  # production never generates one


def test_production_start_without_secret_exits_2_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("PARLONS_SECRET_KEY", "PARLONS_IDENTITY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PARLONS_ENVIRONMENT", "production")
    monkeypatch.setenv("PARLONS_DATA_DIR", str(tmp_path))
    assert main(["retention"]) == 2
    err = capsys.readouterr().err
    assert "PARLONS_SECRET_KEY" in err and "obligatoire en production" in err
    assert "Traceback" not in err


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "secret_key"
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(persisted_secret(path)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1 and path.read_text().strip() == seen[0]
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no file left aside


def test_an_empty_secret_file_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "secret_key"
    path.parent.mkdir()
    path.write_text("\n")
    with pytest.raises(MissingSecret, match="vide"):
        persisted_secret(path)
