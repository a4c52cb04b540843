"""`parlons blobs prune` on a real SQLite data folder (ADR 0089): documents
attached through the consultation handler, one removed, the files aged past the
grace period; the prune deletes the removed document's file and the orphan, keeps
the live document's, and says what it did without naming a file."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness.cli import commands_over
from harness.consultations import deposit_phase, publish
from harness.platform import SYSTEM

from services.consultation.content_commands import AttachDocument, RemoveDocument
from services.consultation.uploads import store_upload
from services.runtime.bootstrap import bootstrap
from services.runtime.cli import main
from services.runtime.runner import running
from services.runtime.settings import Settings

LIVE = b"%PDF-1.7\n" + b"live " * 40
REMOVED = b"%PDF-1.7\n" + b"removed " * 50
ORPHAN = b"%PDF-1.7\n" + b"orphan " * 30  # stored by a front, its command never decided


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with commands_over(tmp_path / "var", monkeypatch) as folder:
        yield folder / "blobs"


def _documents() -> dict[str, str]:
    async def attach() -> dict[str, str]:
        container = bootstrap(Settings(), projects=False)
        async with running(container, workers=False):
            await publish(container, SYSTEM, "velo", "Plan vélo", "velo",
                          deposit_phase(datetime.now(UTC)))
            digests = {}
            for doc, content in (("live", LIVE), ("removed", REMOVED)):
                digests[doc] = await store_upload(f"{doc}.pdf", content, blobs=container.blobs)
                await container.handle(AttachDocument(doc, "velo", "Dossier", f"{doc}.pdf",
                                                      digests[doc]), SYSTEM)
            await container.handle(RemoveDocument("removed", "velo"), SYSTEM)
            digests["orphan"] = await container.blobs.put(ORPHAN)
            return digests
    return asyncio.run(attach())


def _age(blobs: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    for path in blobs.glob("*/*"):
        os.utime(path, (then, then))


def _file(blobs: Path, digest: str) -> Path:
    return blobs / digest[:2] / digest[2:]


def test_prune_deletes_the_files_no_live_document_needs(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digests = _documents()
    assert all(_file(data, d).is_file() for d in digests.values())

    assert main(["blobs", "prune"]) == 0  # everything is younger than a day: kept
    out = capsys.readouterr().out
    assert "0 blobs deleted, 0 bytes freed" in out and "2 stored less than 24 h ago" in out
    assert all(_file(data, d).is_file() for d in digests.values())

    _age(data, 25)
    assert main(["blobs", "prune"]) == 0
    out = capsys.readouterr().out
    assert f"2 blobs deleted, {len(REMOVED) + len(ORPHAN)} bytes freed" in out, out
    assert "kept 1 named by a live document" in out
    assert ".pdf" not in out and not any(d in out for d in digests.values())
    assert _file(data, digests["live"]).read_bytes() == LIVE
    assert not _file(data, digests["removed"]).exists()
    assert not _file(data, digests["orphan"]).exists()


def test_the_grace_period_is_given_in_hours_and_at_least_one(
        data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digests = _documents()
    _age(data, 3)
    assert main(["blobs", "prune"]) == 0 and _file(data, digests["orphan"]).exists()
    assert main(["blobs", "prune", "--older-than", "0.5"]) == 2
    assert main(["blobs", "prune", "--older-than", "2"]) == 0
    assert "2 blobs deleted" in capsys.readouterr().out
    assert _file(data, digests["live"]).read_bytes() == LIVE
