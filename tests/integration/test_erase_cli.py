"""`parlons erase` on a real SQLite platform: an operator erases an account its
owner cannot reach (ADR 0128), named by its e-mail address (as typed, any case),
its pseudonym or its id; without `--yes` nothing changes; the address never
appears in what the command prints nor in the event; another account is left
as it is; nobody found, or an address that is not one, exits 1; an erasure whose
outcome is unknown exits 3 and is finished by id, as `parlons retention` cut short
by one is by its next run; after a restore of the vault, `--after-restore` erases
again whom the log says was erased."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness.cli import commands_over
from harness.platform import SYSTEM

from services.core.clock import FixedClock
from services.core.errors import CommandTimedOut
from services.core.events import Meta
from services.eventlog.port import read_all
from services.identity.commands import EraseParticipant, RegisterParticipant
from services.identity.model import new_participant_id
from services.identity.service import IdentityPorts
from services.identity.streams import TOPIC
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.cli import main
from services.runtime.runner import running
from services.runtime.settings import Settings


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with commands_over(tmp_path / "var", monkeypatch):
        yield tmp_path


def _registered(*people: tuple[str, str]) -> list[str]:
    """(e-mail, pseudonym) registered; their ids."""
    async def register() -> list[str]:
        container = bootstrap(Settings(), services=["identity"])
        async with running(container, workers=False):
            ids = []
            for email, pseudonym in people:
                ids.append(new_participant_id())
                await container.handle(RegisterParticipant(ids[-1], email, pseudonym), SYSTEM)
            return ids
    return asyncio.run(register())


def _state(pid: str) -> tuple[dict[str, object] | None, list[tuple[str, str, dict[str, object]]]]:
    """The participant's profile in the vault, and the identity events of their stream
    (type, actor id, data)."""
    async def read() -> tuple[dict[str, object] | None, list[tuple[str, str, dict[str, object]]]]:
        container = bootstrap(Settings(), services=["identity"])
        async with running(container, workers=False):
            identity = container.ports["identity"]
            assert isinstance(identity, IdentityPorts)
            events = [(r.event.type, r.event.actor.id, r.event.data)
                      async for r in read_all(container.log, TOPIC)
                      if r.event.data.get("participant_id") == pid]
            return await identity.vault.profile(pid), events
    return asyncio.run(read())


def parlons(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_operator_erases_an_account_by_its_address_after_a_preview(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana, bob = _registered(("ana.martin@exemple.fr", "Ana"), ("bob@exemple.fr", "Bob"))

    code, out, _ = parlons(capsys, "erase", "--email", "Ana.Martin@EXEMPLE.fr")
    assert code == 0 and f"would erase participant {ana} (« Ana »)" in out and "--yes" in out
    profile, events = _state(ana)
    assert profile is not None and "identity.ParticipantErased" not in [t for t, _, _ in events]

    code, out, err = parlons(capsys, "erase", "--email", "ana.martin@exemple.fr", "--yes")
    assert code == 0 and f"erased participant {ana} (« Ana »)" in out
    assert "ana.martin" not in (out + err).casefold()
    profile, events = _state(ana)
    assert profile is None
    erased = [(actor, d) for t, actor, d in events if t == "identity.ParticipantErased"]
    assert erased == [("operator", {"participant_id": ana})]
    assert _state(bob)[0] is not None  # the other account is left as it is

    code, _, err = parlons(capsys, "erase", "--email", "ana.martin@exemple.fr", "--yes")
    assert code == 1 and "no participant" in err  # its address no longer leads to it
    code, _, err = parlons(capsys, "erase", "--participant", ana, "--yes")
    assert code == 1 and "already erased" in err


def test_an_account_is_named_by_its_pseudonym_or_its_id(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana, bob = _registered(("ana@exemple.fr", "Élodie B"), ("bob@exemple.fr", "Bob"))
    code, out, _ = parlons(capsys, "erase", "--pseudonym", "elodie  b", "--yes")
    assert code == 0 and f"erased participant {ana}" in out
    code, out, _ = parlons(capsys, "erase", "--participant", bob, "--yes")
    assert code == 0 and f"erased participant {bob}" in out
    assert _state(ana)[0] is None and _state(bob)[0] is None


def test_nobody_or_a_malformed_name_is_refused_and_nothing_erased(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ana,) = _registered(("ana@exemple.fr", "Ana"))
    code, _, err = parlons(capsys, "erase", "--email", "personne@exemple.fr", "--yes")
    assert code == 1 and "no participant" in err
    code, _, err = parlons(capsys, "erase", "--email", "pas une adresse", "--yes")
    assert code == 1 and "adresse électronique n'est pas valide" in err
    code, _, err = parlons(capsys, "erase", "--participant", "../etc", "--yes")
    assert code == 1 and "Identifiant de participant invalide" in err
    with pytest.raises(SystemExit) as usage:
        parlons(capsys, "erase", "--yes")  # whom: one of the three is required
    assert usage.value.code == 2
    assert _state(ana)[0] is not None


def test_after_a_restore_of_the_vault_the_erased_are_erased_again(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana, bob = _registered(("ana@exemple.fr", "Ana"), ("bob@exemple.fr", "Bob"))
    vault = data / "var" / "identity.db"
    backup = data / "identity-backup.db"
    with sqlite3.connect(vault) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)  # a backup taken before the erasure
    assert parlons(capsys, "erase", "--participant", ana, "--yes")[0] == 0
    assert _state(ana)[0] is None

    for leftover in (vault.with_name(vault.name + "-wal"), vault.with_name(vault.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(backup, vault)  # the vault restored: Ana's key is back
    assert _state(ana)[0] is not None

    code, out, _ = parlons(capsys, "erase", "--after-restore")
    assert code == 0
    assert "1 participant erased in the log; 1 had their key back" in out
    assert _state(ana)[0] is None and _state(bob)[0] is not None
    code, out, _ = parlons(capsys, "erase", "--after-restore")
    assert code == 0 and "0 had their key back" in out
    erasures = [t for t, _, _ in _state(ana)[1] if t == "identity.ParticipantErased"]
    assert len(erasures) == 1  # nothing appended: the log already says so


def test_an_erasure_whose_outcome_is_unknown_says_how_to_finish_it(
        data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # no answer from the identity replica in time (the Kafka command bus), or the
    # log gone once the key was destroyed (the handler shreds first): exit 3, then
    # the same command by id finds the key gone and the event missing, and writes it
    (ana,) = _registered(("ana@exemple.fr", "Ana"))
    real_handle = Container.handle

    async def shredded_then_late(self: Container, command: object, meta: Meta) -> object:
        identity = self.ports["identity"]
        assert isinstance(identity, IdentityPorts) and isinstance(command, EraseParticipant)
        await identity.vault.erase(command.participant_id)
        raise CommandTimedOut("identity.commands", 10)

    monkeypatch.setattr(Container, "handle", shredded_then_late)
    code, out, err = parlons(capsys, "erase", "--email", "ana@exemple.fr", "--yes")
    assert code == 3 and f"parlons erase --participant {ana}" in err and "erased" not in out
    monkeypatch.setattr(Container, "handle", real_handle)
    profile, events = _state(ana)
    assert profile is None and "identity.ParticipantErased" not in [t for t, _, _ in events]

    code, out, _ = parlons(capsys, "erase", "--participant", ana)
    assert code == 0 and "données déjà détruites" in out
    code, out, _ = parlons(capsys, "erase", "--participant", ana, "--yes")
    assert code == 0 and f"erased participant {ana}" in out
    erased = [t for t, _, _ in _state(ana)[1] if t == "identity.ParticipantErased"]
    assert erased == ["identity.ParticipantErased"]
    code, _, err = parlons(capsys, "erase", "--participant", ana, "--yes")
    assert code == 1 and "already erased" in err


def test_retention_cut_short_by_an_unanswered_erasure_exits_3_and_the_next_run_finishes(
        data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    async def register_long_ago() -> str:
        container = bootstrap(Settings(), clock=FixedClock(datetime(2020, 1, 1, tzinfo=UTC)),
                              services=["identity"])
        pid = new_participant_id()
        async with running(container):
            await container.handle(RegisterParticipant(pid, "vieux@exemple.fr", "Vieux"),
                                   SYSTEM)
            deadline = asyncio.get_running_loop().time() + 10
            while any([await w.lag() for w in container.built_workers]):
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.05)
        return pid

    old = asyncio.run(register_long_ago())
    monkeypatch.setenv("PARLONS_ERASE_INACTIVE_AFTER_DAYS", "30")
    real_handle = Container.handle

    async def late(self: Container, command: object, meta: Meta) -> object:
        raise CommandTimedOut("identity.commands", 10)

    monkeypatch.setattr(Container, "handle", late)
    assert main(["retention"]) == 3
    assert "stopped there: the next run goes on" in capsys.readouterr().err
    monkeypatch.setattr(Container, "handle", real_handle)
    assert main(["retention"]) == 0
    assert "1 inactive accounts erased" in capsys.readouterr().out
    assert _state(old)[0] is None
