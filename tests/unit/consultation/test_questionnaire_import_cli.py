"""`parlons questionnaire import` (ADR 0063) through the CLI entry point, on a
SQLite data folder: the preview and the errors per line are printed, errors
exit 1 and save nothing, --dry-run saves nothing, a second run writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.cli import logging_restored

from services.consultation.commands import CreateConsultation
from services.consultation.granddebat import DATA_DIR
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import bootstrap
from services.runtime.cli import main
from services.runtime.runner import running
from services.runtime.settings import Settings

SHIPPED = DATA_DIR / "questions.csv"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """`main()` configures the root logger for a process: undo that for the next tests."""
    with logging_restored():
        yield


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PARLONS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PARLONS_WORKER_POLL_TIMEOUT", "0.05")

    async def create() -> None:
        container = bootstrap(Settings(), services=["consultation"])
        async with running(container, workers=False):
            await container.handle(CreateConsultation("c1", "Mobilités", "mobilites"),
                                   Meta(actor=Actor.system()))
    asyncio.run(create())
    return tmp_path


def saved(*, questions: bool = False) -> int:
    async def count() -> int:
        container = bootstrap(Settings(), services=["consultation"])
        async with running(container, workers=False):
            records = await container.log.read("consultation.events", limit=100_000)
        found = [r.event for r in records if r.event.type.endswith("QuestionnaireSaved")]
        return sum(len(e.data["questions"]) for e in found) if questions else len(found)
    return asyncio.run(count())


@pytest.mark.usefixtures("restore_logging")
def test_the_shipped_grand_debat_file_imports_once(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["questionnaire", "import", "c1", str(SHIPPED)]
    assert main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Transition écologique (Ligne " in out and "--dry-run" in out
    assert "Ligne 4 109 — Si oui, à quel type" in out and "si « 108 » = Oui" in out
    assert saved() == 0
    assert main(argv) == 0
    assert "4 questionnaires importés dans c1." in capsys.readouterr().out
    assert (saved(), saved(questions=True)) == (4, 94)
    assert main(argv) == 0  # the same file again: nothing written twice
    assert "0 questionnaire importé dans c1 (les autres l'étaient déjà)." in capsys.readouterr().out
    assert saved() == 4


@pytest.mark.usefixtures("restore_logging")
def test_errors_per_line_exit_1_and_save_nothing(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = data_dir / "q.csv"
    bad.write_text("question;type\r\nUne ?;libre\r\nDeux ?;bizarre\r\n", encoding="utf-8-sig")
    assert main(["questionnaire", "import", "c1", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "1 erreur, rien n'est importé" in err
    assert "Ligne 3 : type « bizarre » inconnu" in err
    bad.write_text("question;type\r\nUne ?;drôle\r\nDeux ?;bizarre\r\n", encoding="utf-8-sig")
    assert main(["questionnaire", "import", "c1", str(bad)]) == 1
    assert "2 erreurs, rien n'est importé" in capsys.readouterr().err
    assert saved() == 0
    good = data_dir / "q.json"
    good.write_text('{"title": "Court", "questions": [{"text": "Une ?"}]}', encoding="utf-8")
    assert main(["questionnaire", "import", "nope", str(good)]) == 2
    assert "consultation inconnue : nope" in capsys.readouterr().err
    assert main(["questionnaire", "import", "c1", str(data_dir / "absent.csv")]) == 2
    assert main(["questionnaire", "import", "c1", str(good), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert " : 1 question\n" in out and "1 questionnaire importé dans c1." in out
    assert saved() == 1
