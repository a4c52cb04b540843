"""A Pol.is directory with a fault is refused naming file, line and column, and
nothing is written to the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.envelope import Actor
from services.core.errors import ConcurrencyConflict
from services.core.events import Meta
from services.eventlog.memory import MemoryEventLog
from services.synthesis.opinions import TOPIC
from services.synthesis.polis.importer import import_polis
from services.synthesis.polis.model import PolisFormatError

META = Meta(actor=Actor(id="analyst-1", role="analyst"))
COMMENTS = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    "1000,x,0,0,1,0,1,Des bus la nuit\n"
    "2000,x,1,1,0,1,1,\"Moins de voitures, plus de vélos\"\n"
)
VOTES = (
    "timestamp,datetime,comment-id,voter-id,vote\n"
    "3000,x,0,0,1\n"
    "3100,x,1,0,-1\n"
    "3200,x,1,1,0\n"
)
PARTICIPANTS = (
    "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1\n"
    "0,0,1,2,1,1,1,-1\n"
    "1,,1,1,0,0,,0\n"
)
SUMMARY = "topic,Transports\nviews,3\n"


def _write(tmp_path: Path, **override: str) -> Path:
    files = {"comments": COMMENTS, "votes": VOTES, "participants": PARTICIPANTS,
             "summary": SUMMARY, **override}
    (tmp_path / "comments.csv").write_text(files["comments"])
    (tmp_path / "votes.csv").write_text(files["votes"])
    (tmp_path / "participants-votes.csv").write_text(files["participants"])
    (tmp_path / "summary.csv").write_text(files["summary"])
    return tmp_path


async def _refused(directory: Path) -> PolisFormatError:
    log = MemoryEventLog()
    with pytest.raises(PolisFormatError) as caught:
        await import_polis(directory, consultation_id="c-1", log=log, meta=META)
    assert await log.read(TOPIC) == []
    return caught.value


async def test_valid_directory_imports_every_row(tmp_path: Path) -> None:
    log = MemoryEventLog()
    report = await import_polis(_write(tmp_path), consultation_id="c-1", log=log, meta=META)
    assert (report.statements, report.votes, report.participants) == (2, 3, 2)
    assert len(await log.read(TOPIC)) == 1 + 2 + 3


async def test_missing_column(tmp_path: Path) -> None:
    err = await _refused(_write(tmp_path, votes=VOTES.replace(",vote\n", ",choice\n", 1)))
    assert (err.file, err.line, err.column) == ("votes.csv", 1, "vote")


async def test_unknown_comment_id(tmp_path: Path) -> None:
    err = await _refused(_write(tmp_path, votes=VOTES.replace("3200,x,1,", "3200,x,7,")))
    assert (err.file, err.line, err.column) == ("votes.csv", 4, "comment-id")
    assert "7" in str(err)


async def test_invalid_vote(tmp_path: Path) -> None:
    err = await _refused(_write(tmp_path, votes=VOTES.replace("3100,x,1,0,-1", "3100,x,1,0,2")))
    assert (err.file, err.line, err.column) == ("votes.csv", 3, "vote")


async def test_invalid_vote_in_the_participant_matrix(tmp_path: Path) -> None:
    err = await _refused(_write(tmp_path, participants=PARTICIPANTS.replace(
        "0,0,1,2,1,1,1,-1", "0,0,1,2,1,1,1,oui")))
    assert (err.file, err.line, err.column) == ("participants-votes.csv", 2, "1")


async def test_matrix_disagreeing_with_votes(tmp_path: Path) -> None:
    err = await _refused(_write(tmp_path, participants=PARTICIPANTS.replace(
        "0,0,1,2,1,1,1,-1", "0,0,1,2,1,1,1,1")))
    assert (err.file, err.line, err.column) == ("participants-votes.csv", 2, "1")


async def test_unknown_comment_column_in_the_matrix(tmp_path: Path) -> None:
    err = await _refused(_write(tmp_path, participants=PARTICIPANTS.replace(
        "n-disagree,0,1", "n-disagree,0,9")))
    assert (err.file, err.line, err.column) == ("participants-votes.csv", 1, "9")


async def test_later_fault_still_leaves_nothing(tmp_path: Path) -> None:
    # The fault is in the last file read: earlier files were fine, still nothing written.
    err = await _refused(_write(tmp_path, summary="topic,a,b\n"))
    assert err.file == "summary.csv"


async def test_second_import_into_the_same_consultation_is_refused(tmp_path: Path) -> None:
    log = MemoryEventLog()
    await import_polis(_write(tmp_path), consultation_id="c-1", log=log, meta=META)
    with pytest.raises(ConcurrencyConflict):
        await import_polis(tmp_path, consultation_id="c-1", log=log, meta=META)
    assert len(await log.read(TOPIC)) == 6
