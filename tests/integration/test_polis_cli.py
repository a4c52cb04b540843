"""`parlons polis import|groups|export` on a real SQLite platform: a Pol.is
conversation imported into a consultation, exported back with its Pol.is
participant and comment ids (same agree/disagree counts, the same vote rows line
by line), its groups printed and published; faulty lines reported, not fatal."""

from __future__ import annotations

import asyncio
import csv
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness.cli import commands_over
from harness.consultations import deposit_phase, publish
from harness.interrupted_imports import log_gone_after
from harness.platform import SYSTEM

from services.runtime.bootstrap import Container, bootstrap
from services.runtime.cli import main
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.runtime.validating_log import ValidatingEventLog
from services.synthesis.conversations.projection import published_groups

POLIS = Path(__file__).resolve().parents[1] / "data" / "polis"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with commands_over(tmp_path / "var", monkeypatch):
        yield tmp_path


async def _caught_up(container: Container) -> None:
    deadline = asyncio.get_running_loop().time() + 20
    while any([await w.lag() for w in container.built_workers]):
        assert asyncio.get_running_loop().time() < deadline, "workers did not catch up"
        await asyncio.sleep(0.05)


def _consultation(cid: str) -> None:
    async def create() -> None:
        container = bootstrap(Settings())
        async with running(container):
            await publish(container, SYSTEM, cid, "Brexit", cid, deposit_phase(datetime.now(UTC)))
            await _caught_up(container)
    asyncio.run(create())


def parlons(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_import_then_export_gives_the_same_counts_and_ids(
    data: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    _consultation("brexit")
    code, out = parlons(capsys, "polis", "import", "brexit", str(POLIS / "brexit-consensus"))
    assert code == 0, out
    assert "50 statements, 5312 votes, 204 participants" in out and "; 0 lines skipped" in out
    code, out = parlons(capsys, "polis", "export", "brexit", "--out", str(data / "out"))
    assert code == 0 and "2 groups" in out, out

    def counts(directory: Path) -> dict[str, tuple[str, str]]:
        return {r["comment-id"]: (r["agrees"], r["disagrees"])
                for r in _rows(directory / "comments.csv")}

    def votes(directory: Path) -> list[tuple[str, ...]]:
        return sorted((r["timestamp"], r["comment-id"], r["voter-id"], r["vote"])
                      for r in _rows(directory / "votes.csv"))

    assert counts(data / "out") == counts(POLIS / "brexit-consensus")
    assert votes(data / "out") == votes(POLIS / "brexit-consensus")
    ours = {r["participant"] for r in _rows(data / "out" / "participants-votes.csv")}
    theirs = {r["participant"] for r in _rows(POLIS / "brexit-consensus" /
                                              "participants-votes.csv")}
    assert ours == theirs

    code, out = parlons(capsys, "polis", "import", "brexit", str(POLIS / "brexit-consensus"))
    assert code == 0 and "already imported" in out  # the same files again: answered as first
    other = data / "other"
    shutil.copytree(POLIS / "brexit-consensus", other)
    with (other / "summary.csv").open("a") as summary:
        summary.write("owner,someone else\n")
    code, out = parlons(capsys, "polis", "import", "brexit", str(other))
    assert code == 1  # another export into the same consultation: refused


def test_groups_printed_then_published(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _consultation("brexit")
    assert parlons(capsys, "polis", "import", "brexit", str(POLIS / "brexit-consensus"))[0] == 0
    code, out = parlons(capsys, "polis", "groups", "brexit")
    assert code == 0 and "in 2 groups" in out and "group A:" in out and "consensus:" in out
    code, out = parlons(capsys, "polis", "groups", "brexit", "--publish")
    assert code == 0 and out.endswith("polis groups: published\n")

    async def shown() -> dict[str, object] | None:
        container = bootstrap(Settings())
        async with running(container):
            deadline = asyncio.get_running_loop().time() + 20
            while (doc := await published_groups(container.store, "brexit")) is None:
                assert asyncio.get_running_loop().time() < deadline, "not projected"
                await asyncio.sleep(0.05)
            return doc
    doc = asyncio.run(shown())
    assert doc is not None and len(doc["groups"]) == 2  # type: ignore[arg-type]
    assert "pp-" not in str(doc["points"])


def test_faulty_lines_are_reported_and_the_rest_imported(
    data: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    source = data / "seattle"
    source.mkdir()
    for f in ("comments.csv", "participants-votes.csv", "summary.csv"):
        (source / f).write_bytes((POLIS / "15-per-hour-seattle" / f).read_bytes())
    lines = (POLIS / "15-per-hour-seattle" / "votes.csv").read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",oui"
    (source / "votes.csv").write_text("\n".join(lines) + "\n")
    _consultation("seattle")
    code, out = parlons(capsys, "polis", "import", "seattle", str(source))
    assert code == 0, out
    assert "skipped: votes.csv, ligne 6, colonne « vote » : vote invalide « oui »" in out
    assert f"{len(lines) - 2} votes" in out


def test_unknown_consultation(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["polis", "import", "nowhere", str(POLIS / "brexit-consensus")]) == 2


def test_an_interrupted_import_says_so_and_the_same_command_finishes_it(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The log goes away after two of the import's chunks (ADR 0124): exit 3 and
    how to finish; `polis groups` says the conversation is not whole; the same
    command then finishes the import, and the export holds every vote row."""
    _consultation("brexit")
    with log_gone_after(monkeypatch, ValidatingEventLog, chunks=2):
        code = main(["polis", "import", "brexit", str(POLIS / "brexit-consensus")])
    err = capsys.readouterr().err
    assert code == 3 and "run the same command again to finish the import" in err
    code = main(["polis", "groups", "brexit"])
    err = capsys.readouterr().err
    assert "not whole yet (0 statements and 3363 votes to come" in err, err

    code, out = parlons(capsys, "polis", "import", "brexit", str(POLIS / "brexit-consensus"))
    assert code == 0 and "an interrupted import of these files was finished" in out, out
    assert "50 statements, 5312 votes, 204 participants" in out
    code, out = parlons(capsys, "polis", "export", "brexit", "--out", str(data / "out"))
    assert code == 0 and "not whole" not in capsys.readouterr().err
    assert len(_rows(data / "out" / "votes.csv")) == 5312
