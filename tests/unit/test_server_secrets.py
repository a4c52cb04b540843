"""The server secrets (ADR 0050): kept in the data folder in development,
required in production, never written for a throwaway platform."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from services.runtime.cli import main
from services.runtime.secrets import MissingSecret, identity_secret, persisted_secret, secret_key
from services.runtime.settings import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_development_generates_once_then_reuses_private_files(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = (secret_key(settings), identity_secret(settings))
    again = (secret_key(Settings(data_dir=tmp_path)), identity_secret(Settings(data_dir=tmp_path)))
    assert first == again and first[0] != first[1]
    assert len(first[0]) >= 32
    folder = tmp_path / "secrets"
    assert _mode(folder) == 0o700
    assert _mode(folder / "secret_key") == 0o600 == _mode(folder / "identity_secret")
    assert sorted(p.name for p in folder.iterdir()) == ["identity_secret", "secret_key"]


def test_given_secrets_win_and_nothing_is_written(tmp_path: Path) -> None:
    both = Settings(data_dir=tmp_path, secret_key=SecretStr("k"), identity_secret=SecretStr("i"))
    assert (secret_key(both), identity_secret(both)) == ("k", "i")
    only_key = Settings(data_dir=tmp_path, secret_key=SecretStr("k"))
    assert identity_secret(only_key) == "k"  # the documented fallback
    assert not (tmp_path / "secrets").exists()


def test_a_throwaway_platform_writes_no_secret(tmp_path: Path) -> None:
    throwaway = Settings(data_dir=tmp_path, read_store="memory")
    assert secret_key(throwaway) == identity_secret(throwaway) == ""
    assert not (tmp_path / "secrets").exists()


def test_production_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    production = Settings(data_dir=tmp_path, environment="production")
    with pytest.raises(MissingSecret, match="PARLONS_SECRET_KEY est obligatoire"):
        secret_key(production)
    with pytest.raises(MissingSecret, match="PARLONS_IDENTITY_SECRET est obligatoire") as caught:
        identity_secret(production)
    assert "docs/operations.md" in str(caught.value)
    # the identity worker needs only its own secret
    identity_only = Settings(data_dir=tmp_path, environment="production",
                             identity_secret=SecretStr("i"))
    assert identity_secret(identity_only) == "i"
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
    assert "PARLONS_IDENTITY_SECRET est obligatoire en production" in err
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
